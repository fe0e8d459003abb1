"""Admission and cancellation under hostile load (issue 34): does the service's memory stay
bounded by its configuration, and does abandoned work stop?

    python -m benchmarks.admission [--baseline CHECKOUT]

Starts ``nst serve`` on a free loopback port (default settings: one slot per two cores, a
queue of 8), warms it with one small request, and then:
1. sends nine 7000x7000 PNGs (about 155 KB each: a smooth picture) at once, ``preset=19``,
   ``size=512``, sampling the server's resident memory every 20 ms: peak above the idle server;
2. sends a Gatys request of 10,000 iterations (``NST_SERVICE_MAX_ITERATIONS=10000`` so it is
   admitted) whose client leaves after 10 s, and measures the seconds from the client leaving
   until the server counts the request as cancelled (its ``/metrics``);
3. sends a ``preset=19`` request right after: its status and seconds.
With ``--baseline`` (another checkout, e.g. a ``git worktree`` of an older commit) the same
runs against that checkout's service in the same run. Writes ``benchmarks/RESULTS-admission.md``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import threading
import time
from pathlib import Path

import numpy as np
import requests
from PIL import Image

from benchmarks.quality import write_results
from tests.helpers.app_server import free_port, serving
from tests.helpers.sockets import descendants

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300
LEAVE_AFTER = 10.0  # s: when the Gatys client gives up


def big_png(side: int = 7000) -> bytes:
    """A smooth 7000x7000 picture: a small file that decodes to 147 MB."""
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    pixels = np.stack([np.add.outer(ramp, ramp) / 2, np.tile(ramp, (side, 1)), np.tile(ramp[:, None], (1, side))], -1)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every process below it (a Ray server's workers), MB."""
    total = 0
    for member in descendants(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:  # gone meanwhile
            continue
    return total / 1024


class Sampler(threading.Thread):
    """The peak of :func:`rss_mb` until ``stop`` is set, sampled every ``every`` seconds;
    :meth:`tick` runs with each sample (a subclass watches more)."""

    def __init__(self, pid: int, every: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.stop = pid, every, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.tick()
            time.sleep(self.every)

    def tick(self) -> None:
        pass


def cancelled_count(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=10).text
    match = re.search(r'nst_errors_total\{kind="cancelled"\} ([0-9.]+)', text)
    return float(match.group(1)) if match else 0.0


def measure(checkout: Path, label: str) -> dict:
    port = free_port()
    env = {"NST_SERVICE_MAX_ITERATIONS": "10000", "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-m", "nst", "serve", "--port", str(port)]
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(photo, "PNG")
    small = [("content", ("p.png", photo.getvalue()))]
    with serving(command, port, "/healthz", 120, env, cwd=checkout) as (url, server):
        requests.post(url + "/v1/stylize", files=small, data={"preset": "19", "size": "256"}, timeout=TIMEOUT)
        time.sleep(1.0)
        idle = rss_mb(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()
        data, statuses = big_png(), []

        def send() -> None:
            answer = requests.post(
                url + "/v1/stylize", files=[("content", ("big.png", data))], data={"preset": "19", "size": "512"},
                timeout=TIMEOUT,
            )  # fmt: skip
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=send) for _ in range(9)]
        begun = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        nine_seconds = time.perf_counter() - begun
        sampler.stop.set()
        sampler.join()

        style = io.BytesIO()
        Image.new("RGB", (256, 256), (200, 80, 40)).save(style, "PNG")
        gatys = {"engine": "gatys", "options": '{"iterations": 10000}'}
        before = cancelled_count(url)
        try:
            requests.post(url + "/v1/stylize", files=small + [("style", ("s.png", style.getvalue()))], data=gatys,
                          timeout=(5, LEAVE_AFTER))  # fmt: skip
            left = None
        except requests.Timeout:
            left = time.perf_counter()
        stopped = None
        while left is not None and time.perf_counter() - left < 30:
            if cancelled_count(url) > before:
                stopped = time.perf_counter() - left
                break
            time.sleep(0.1)
        begun = time.perf_counter()
        try:
            status = requests.post(url + "/v1/stylize", files=small, data={"preset": "19", "size": "256"},
                                   timeout=60).status_code  # fmt: skip
        except requests.Timeout:
            status = "no answer"
        next_seconds = time.perf_counter() - begun
    return {
        "label": label, "idle": idle, "peak": sampler.peak, "statuses": sorted(statuses), "nine": nine_seconds,
        "stopped": stopped, "next": (status, next_seconds), "png_kb": len(data) / 1024,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to measure in the same run")
    args = parser.parse_args()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    runs = [measure(ROOT, "this checkout")]
    if args.baseline is not None:
        runs.append(measure(args.baseline.resolve(), f"baseline ({args.baseline.name})"))
    rows = ["| service | idle RSS | peak RSS during nine 7000x7000 PNGs | above idle | their answers | abandoned "
            "Gatys stops after | next request |", "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in runs:
        stopped = "not within 30 s" if r["stopped"] is None else f"{r['stopped']:.1f} s"
        answers = ", ".join(f"{s} x{r['statuses'].count(s)}" for s in sorted(set(r["statuses"])))
        rows.append(
            f"| {r['label']} | {r['idle']:.0f} MB | {r['peak']:.0f} MB | **{r['peak'] - r['idle']:.0f} MB** | "
            f"{answers} in {r['nine']:.1f} s | **{stopped}** | {r['next'][0]} in {r['next'][1]:.1f} s |"
        )
    text = "\n".join(rows)
    print(text)
    write_results(ROOT / "benchmarks" / "RESULTS-admission.md", [
        "# Admission and cancellation (issue 34)", "",
        f"`python -m benchmarks.admission --baseline <worktree>` on {os.cpu_count()} cores; PNGs of "
        f"{runs[0]['png_kb']:.0f} KB. Targets: at most 1 GB above idle; abandoned work stops within 2 s; the next "
        "request is served.", "", text,
    ])  # fmt: skip


if __name__ == "__main__":
    main()
