"""How fast bad input and an offline host are told apart from real work (limits the tests used to assert).

    python -m benchmarks.failure_latency      # writes benchmarks/RESULTS-latency.md

Each figure is the worst of its cases, in a process where the models are not loaded yet, so
start-up costs count as a first-time user meets them. Targets: a hostile file refused in under
3 s, an unreachable TF-Hub URL in under 10 s, the Gatys engine ready offline in under 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import nst
from tests.helpers.hostile import invalid_files
from tests.helpers.pictures import painting

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for results files


def seconds(action) -> float:
    start = time.perf_counter()
    try:
        action()
    except nst.NSTError:
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS-latency.md"))
    args = parser.parse_args()
    style = painting(3)
    refusals = {name: seconds(lambda d=data: nst.stylize(d, style)) for name, data in invalid_files().items()}
    os.environ.pop("NST_OFFLINE", None)  # the reachability probe itself (the host never resolves)
    hub = seconds(lambda: nst.stylize(style, style, engine="magenta-hub", hub_handle="https://tfhub.invalid/m/1"))
    os.environ["NST_OFFLINE"] = "1"
    gatys = seconds(lambda: nst.get_engine("gatys"))
    worst = max(refusals, key=refusals.get)
    rows = [
        (f"hostile file refused (worst of {len(refusals)})", refusals[worst], 3.0, worst),
        ("unreachable TF-Hub URL refused", hub, 10.0, "tfhub.invalid"),
        ("gatys engine ready offline (MobileNetV2 fallback)", gatys, 30.0, "NST_OFFLINE=1"),
    ]
    lines = [
        f"\n## {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores\n",
        "Command: `python -m benchmarks.failure_latency`\n",
        "| what | seconds | target | case |",
        "| --- | --- | --- | --- |",
        *(f"| {what} | {value:.2f} | < {target:g} | {case} |" for what, value, target, case in rows),
    ]
    with open(args.out, "a") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
