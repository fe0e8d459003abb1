"""Time ``nst.stylize`` on the embedded engine at 1024 and 2048 px; print a Markdown table.

    python -m benchmarks.core_timing [--runs 5] >> benchmarks/RESULTS-core.md

First call includes building the graph for that size; warm is the median of later calls.
Style vectors are cached, so warm calls time the transformer plus image conversion.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import nst
from nst.io.examples import example_painting, example_photo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    painting = example_painting()
    start = time.perf_counter()
    nst.get_engine("magenta")
    load = time.perf_counter() - start
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; model load {load:.2f} s\n")
    print("| size | first call (s) | warm median (s) | warm min-max (s) |")
    print("| --- | --- | --- | --- |")
    for side in (1024, 2048):
        photo = example_photo(side, side)
        start = time.perf_counter()
        nst.stylize(photo, painting, size=side)
        first = time.perf_counter() - start
        warm = []
        for _ in range(args.runs):
            start = time.perf_counter()
            nst.stylize(photo, painting, size=side)
            warm.append(time.perf_counter() - start)
        print(f"| {side}x{side} | {first:.2f} | {statistics.median(warm):.2f} | {min(warm):.2f}-{max(warm):.2f} |")
    print("\nEngine preset (built-in styles), photo 1600x1067:\n")
    print("| task | first call, model load included (s) | warm median (s) |")
    print("| --- | --- | --- |")
    photo = example_photo(1600, 1067)
    for task, call in (
        ("26-style sheet, 256 px tiles", lambda: nst.preset_sheet(photo, size=256)),
        ("one style at 1024 px", lambda: nst.stylize(photo, preset=19, size=1024)),
    ):
        start = time.perf_counter()
        call()
        first = time.perf_counter() - start
        warm = []
        for _ in range(args.runs):
            start = time.perf_counter()
            call()
            warm.append(time.perf_counter() - start)
        print(f"| {task} | {first:.2f} | {statistics.median(warm):.2f} |")


if __name__ == "__main__":
    main()
