"""The HTTP service under load (issue 20): in-process against Ray Serve with 1 and 2 replicas.

    python -m benchmarks.service [--side 1024] [--rounds 2]

Each server runs on a free loopback port (``nst serve`` and ``nst serve --ray --replicas N``,
stopped afterwards). For 1, 4 and 16 concurrent clients, each client sends ``rounds``
requests (at least 8 in all) of our drawn example photo with our drawn painting, ``magenta``,
at ``--side`` px; requests/s over the wall time, p50/p95 latency, refusals (503); then the
resident memory of the processes that hold models. Writes ``benchmarks/RESULTS-service.md``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import threading
import time
from pathlib import Path

import requests

from benchmarks.quality import write_results

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 4, 16)
TIMEOUT = 300


def encoded(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def load(url: str, clients: int, total: int, files: list, data: dict) -> dict:
    latencies, statuses, lock = [], [], threading.Lock()
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]

    def client(count: int) -> None:
        for _ in range(count):
            start = time.perf_counter()
            answer = requests.post(url + "/v1/stylize", files=files, data=data, timeout=TIMEOUT)
            with lock:
                statuses.append(answer.status_code)
                if answer.status_code == 200:
                    latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan"),
        "refused": statuses.count(503),
        "requests": len(statuses),
    }


def resident_mib(pattern: str) -> list[float]:
    """VmRSS of every process whose command line matches ``pattern``."""
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in found:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        sizes.append(kb / 1024)
    return sizes


def direct_seconds(side: int, runs: int = 8) -> float:
    """Median seconds of decoding, ``nst.stylize`` and JPEG encoding in this process: what a
    request costs without HTTP."""
    import nst
    from nst.io.examples import example_painting, example_photo
    from nst.io.images import encode

    photo, painting = encoded(example_photo()), encoded(example_painting())
    times = []
    for _ in range(runs + 1):  # the first loads the model
        start = time.perf_counter()
        out = nst.stylize(nst.load_image(photo), nst.load_image(painting), engine="magenta", size=side, upscale=True)
        encode(out, "JPEG")
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def measure(name: str, flags: list[str], memory_pattern: str, files: list, data: dict, rounds: int) -> dict:
    from tests.helpers.app_server import running_service  # the servers' start and stop, as the tests do

    with running_service(*flags, "--queue", "32", startup_timeout=300) as (url, process):
        deadline = time.monotonic() + 300  # the first answer comes once the models are loaded
        while requests.post(url + "/v1/stylize", files=files, data=data, timeout=TIMEOUT).status_code != 200:
            if time.monotonic() > deadline:
                raise SystemExit(f"{name}: no picture within 300 s")
            time.sleep(2)
        rows = {}
        for clients in CLIENTS:
            rows[clients] = load(url, clients, max(8, rounds * clients), files, data)
            print(name, clients, rows[clients], flush=True)
        pattern = memory_pattern or f"nst serve --port {url.rsplit(':', 1)[1]}"
        return {"rows": rows, "memory": resident_mib(pattern)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2, help="requests per client at each level")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-service.md")
    args = parser.parse_args()
    from nst.io.examples import example_painting, example_photo

    files = [("content", ("photo.png", encoded(example_photo()))), ("style", ("art.png", encoded(example_painting())))]
    data = {"size": str(args.side), "upscale": "true", "engine": "magenta", "format": "jpeg"}
    setups = {
        "in-process": ([], ""),
        "Ray Serve, 1 replica": (["--ray", "--replicas", "1"], "ServeReplica:nst:Stylizer"),
        "Ray Serve, 2 replicas": (["--ray", "--replicas", "2"], "ServeReplica:nst:Stylizer"),
    }
    baseline = direct_seconds(args.side)
    print("nst.stylize", baseline, flush=True)
    results = {name: measure(name, *setup, files, data, args.rounds) for name, setup in setups.items()}
    lines = [
        "# The HTTP service under load (issue 20)",
        "",
        f"Command: `python -m benchmarks.service --side {args.side} --rounds {args.rounds}` "
        f"({time.strftime('%Y-%m-%d')}, this 2-core machine, loopback). magenta at {args.side} px, JPEG answers; "
        "in-process: `nst serve` (one stylization at a time: NST_MAX_CONCURRENT defaults to one per two cores); "
        "Ray: `nst serve --ray --replicas N`, one CPU per replica.",
        "",
        "| server | clients | requests/s | p50 s | p95 s | refused | memory per model process MiB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in results.items():
        memory = ", ".join(f"{m:.0f}" for m in result["memory"]) or "-"
        for clients, row in result["rows"].items():
            lines.append(
                f"| {name} | {clients} | {row['rps']:.2f} | {row['p50']:.2f} | {row['p95']:.2f} | "
                f"{row['refused']}/{row['requests']} | {memory} |"
            )
    p50 = results["in-process"]["rows"][1]["p50"]
    lines += [
        "",
        f"`nst.stylize` in one process, the same picture and settings, decoded and encoded as the service "
        f"does: median {baseline:.3f} s; the in-process service at 1 client: p50 {p50:.3f} s "
        f"(**{p50 / baseline:.2f}x**).",
    ]
    write_results(args.out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
