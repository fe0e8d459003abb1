"""Hostile load on the service and the app (issue 35): do honest clients get served while slow,
stalled, huge and abandoned requests arrive at once, and does memory stay bounded?

    python -m benchmarks.hostile [--targets local,ray,app]

Every server listens on a free 127.0.0.1 port and is stopped at the end; every phase is bounded
in count and time. For the service (``local``: ``nst serve``; ``ray``: ``nst serve --ray
--replicas 2``, one Stylizer replica killed 20 s into the attack):
1. warm-up: every model the attack uses is loaded and traced (two short Gatys requests and a
   round of honest ones), as on a server that has run for a while;
2. unloaded: four honest clients post three 1024x768 photos each (``preset=19``, ``size=1024``);
   a 503 is retried after its ``Retry-After``, three times at most;
3. the same four clients again while, at the same moment, 200 clients send their headers a
   line a second, 10 clients send 45 MB of a chunked upload and stall, 9 clients post a
   7000x7000 PNG each, and 2 clients ask for 1000 Gatys iterations and leave after 5 s.
Measured: the honest clients' success and p50/p95 against step 2, the peak resident memory of
the server's whole process tree above its idle level, every status code seen, each
``Retry-After`` against the wait measured from the server's queue, and the seconds until the
server's processes are idle after the last client left. For the app: six browser sessions
upload a 7000x7000 PNG as their photo at once; the Streamlit server's peak memory above idle.
Writes ``benchmarks/RESULTS-hostile.md``.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from benchmarks.admission import Sampler, big_png, rss_mb
from benchmarks.quality import write_results
from tests.helpers.app_server import free_port, running_app, serving
from tests.helpers.sockets import connect, descendants, processes_named

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180  # s: any one request
HONEST, REQUESTS, RETRIES = 4, 3, 3
SLOW_HEADERS, STALLED, HUGE, ABANDONED = 200, 10, 9, 2
STALLED_BYTES = 45 * 1024 * 1024
PHASE_SECONDS = 240  # the attack phase ends by then, whatever is left


def tree_cpu_seconds(pid: int) -> float:
    ticks = 0
    for member in descendants(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


class Watch(Sampler):
    """Samples the server tree's memory and, with a ``url``, the service's queue (``/healthz``)
    until stopped."""

    def __init__(self, pid: int, url: str | None):
        super().__init__(pid, every=0.05)
        self.url, self.queue, self.last = url, [], 0.0  # queue: (time, queue length)

    def tick(self) -> None:
        if self.url is None or time.monotonic() - self.last <= 0.25:
            return
        self.last = time.monotonic()
        try:
            answer = requests.get(self.url + "/healthz", timeout=5).json()
            self.queue.append((time.monotonic(), answer["queue"]))
        except (requests.RequestException, ValueError, KeyError):
            pass

    def wait_after(self, moment: float, queue: int) -> float | None:
        """Seconds from ``moment`` until the queue was shorter than ``queue``."""
        return next((t - moment for t, q in self.queue if t > moment and q < queue), None)


class Honest(threading.Thread):
    """One client posting photos one after another, obeying Retry-After."""

    def __init__(self, url: str, photo: bytes, watch: Watch | None):
        super().__init__(daemon=True)
        self.url, self.photo, self.watch = url, photo, watch
        self.latencies, self.statuses, self.told, self.failed = [], [], [], 0

    def run(self) -> None:
        for _ in range(REQUESTS):
            start = time.monotonic()
            for attempt in range(RETRIES + 1):
                try:
                    answer = requests.post(
                        self.url + "/v1/stylize", files=[("content", ("photo.png", self.photo))],
                        data={"preset": "19", "size": "1024"}, timeout=TIMEOUT,
                    )  # fmt: skip
                    status = answer.status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                self.statuses.append(status)
                if status == 200:
                    self.latencies.append(time.monotonic() - start)
                    break
                if status == 503 and attempt < RETRIES and "retry-after" in answer.headers:
                    told = int(answer.headers["retry-after"])
                    queue = self.watch.queue[-1][1] if self.watch and self.watch.queue else 0
                    self.told.append((told, time.monotonic(), queue))
                    time.sleep(min(told, 60))
                    continue
                self.failed += 1
                break


def honest_round(url: str, photo: bytes, watch: Watch | None) -> list[Honest]:
    clients = [Honest(url, photo, watch) for _ in range(HONEST)]
    for client in clients:
        client.start()
    return clients


def slow_headers(url: str, results: Counter, stop: threading.Event) -> None:
    """One client sending a header line a second; counts whether the server hung up on it."""
    try:
        connection = connect(url, 5)
    except OSError:
        results["refused"] += 1
        return
    opened = time.monotonic()
    try:
        connection.sendall(b"POST /v1/stylize HTTP/1.1\r\nHost: x\r\n")
        connection.settimeout(1.0)
        while not stop.is_set():
            try:
                if connection.recv(1024) == b"":
                    results[f"closed by the server within {5 * (1 + int(time.monotonic() - opened) // 5)} s"] += 1
                    return
            except TimeoutError:
                pass
            connection.sendall(b"X-Slow: yes\r\n")
        results["still open at the end"] += 1
    except OSError:
        results["closed by the server (reset)"] += 1
    finally:
        connection.close()


def stalled_upload(url: str, results: Counter, stop: threading.Event) -> None:
    """45 MB of a chunked multipart upload, then nothing; records the server's answer."""
    boundary = "stall"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="p.png"\r\n\r\n'.encode()
    try:
        connection = connect(url, 5)
        connection.sendall(
            b"POST /v1/stylize HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
        )
        block = b"\0" * (1024 * 1024)
        parts = [head] + [block] * (STALLED_BYTES // len(block))
        for part in parts:
            connection.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        connection.settimeout(1.0)
        answer = b""
        while not stop.is_set():
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            answer += chunk
        status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "no answer"
        results[status if answer else "closed without an answer"] += 1
    except OSError as exc:
        results[f"connection error ({type(exc).__name__})"] += 1
    finally:
        connection.close()


def post(url: str, results: Counter, files: list, data: dict, timeout) -> None:
    try:
        results[str(requests.post(url + "/v1/stylize", files=files, data=data, timeout=timeout).status_code)] += 1
    except requests.Timeout:
        results["client left"] += 1
    except requests.RequestException as exc:
        results[type(exc).__name__] += 1


def kill_a_replica(server: int, after: float, stop: threading.Event, killed: list) -> None:
    """SIGKILL one Stylizer replica of the ``server`` process ``after`` seconds in."""
    if stop.wait(after):
        return
    for replica in processes_named(server, b"ServeReplica:nst:Stylizer")[:1]:
        os.kill(replica, signal.SIGKILL)
        killed.append(time.monotonic())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def idle_after(pid: int, since: float, limit: float = 60.0) -> float | None:
    """Seconds from ``since`` until the tree uses under a tenth of a core for half a second."""
    while time.monotonic() - since < limit:
        before = tree_cpu_seconds(pid)
        time.sleep(0.5)
        if tree_cpu_seconds(pid) - before < 0.05:
            return time.monotonic() - since - 0.5
    return None


def attack(target: str) -> dict:
    port = free_port()
    command = [sys.executable, "-m", "nst", "serve", "--port", str(port)]
    if target == "ray":
        command += ["--ray", "--replicas", "2"]
    from nst.io.examples import example_photo

    buffer = io.BytesIO()
    example_photo(1024, 768).save(buffer, "PNG")
    photo = buffer.getvalue()
    with serving(command, port, "/healthz", 300, None) as (url, server):
        deadline = time.monotonic() + 300  # replicas load after the ingress answers
        while requests.get(url + "/readyz", timeout=10).status_code != 200 and time.monotonic() < deadline:
            time.sleep(2)
        style = io.BytesIO()
        example_photo(256, 256).save(style, "PNG")
        gatys_files = [("content", ("p.png", photo)), ("style", ("s.png", style.getvalue()))]
        warm = {"engine": "gatys", "options": '{"iterations": 10}', "size": "512"}  # both of its sizes traced
        warmers = [threading.Thread(target=post, args=(url, Counter(), gatys_files, warm, TIMEOUT)) for _ in range(2)]
        for thread in warmers:  # two at once: one on each replica, on Ray
            thread.start()
        for thread in warmers:
            thread.join(TIMEOUT)
        for client in honest_round(url, photo, None):  # warm: every model loaded and traced
            client.join(TIMEOUT * 4)
        calm = honest_round(url, photo, None)
        for client in calm:
            client.join(TIMEOUT * 4)
        time.sleep(2)
        idle = rss_mb(server.pid)
        watch = Watch(server.pid, url)
        watch.start()
        stop, results = threading.Event(), {k: Counter() for k in ("slow", "stalled", "huge", "gatys")}
        png = big_png()
        gatys = {"engine": "gatys", "options": '{"iterations": 1000}', "size": "512"}
        huge = [("content", ("huge.png", png))]
        attackers = (
            [threading.Thread(target=slow_headers, args=(url, results["slow"], stop)) for _ in range(SLOW_HEADERS)]
            + [threading.Thread(target=stalled_upload, args=(url, results["stalled"], stop)) for _ in range(STALLED)]
            + [threading.Thread(target=post, args=(url, results["huge"], huge, {"preset": "19", "size": "512"},
                                                   TIMEOUT)) for _ in range(HUGE)]
            + [threading.Thread(target=post, args=(url, results["gatys"], gatys_files, gatys, (5, 5)))
               for _ in range(ABANDONED)]
        )  # fmt: skip
        killed: list[float] = []
        if target == "ray":
            attackers.append(threading.Thread(target=kill_a_replica, args=(server.pid, 20.0, stop, killed)))
        begun = time.monotonic()
        for thread in attackers:
            thread.daemon = True
            thread.start()
        loaded = honest_round(url, photo, watch)
        for client in loaded:
            client.join(max(1.0, PHASE_SECONDS - (time.monotonic() - begun)))
        for thread in attackers[SLOW_HEADERS:]:  # the uploads and posts end on their own
            thread.join(max(1.0, PHASE_SECONDS - (time.monotonic() - begun)))
        stop.set()
        for thread in attackers:
            thread.join(10)
        left = time.monotonic()
        settled = idle_after(server.pid, left)
        watch.stop.set()
        watch.join()
        metrics = requests.get(url + "/metrics", timeout=10).text
    told = [(r, watch.wait_after(t, q)) for c in loaded for r, t, q in c.told]
    return {
        "target": target, "calm": calm, "loaded": loaded, "idle": idle, "peak": watch.peak, "results": results,
        "told": told, "settled": settled, "killed": bool(killed), "server_500": 'status="500"' in metrics,
    }  # fmt: skip


def app_attack(sessions: int = 6) -> dict:
    """Browser sessions uploading a 7000x7000 PNG as their photo at once."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.helpers.app_server import CHROMIUM, CHROMIUM_FLAGS

    path = Path(tempfile.mkdtemp()) / "huge.png"
    path.write_bytes(big_png())
    shown = Counter()
    with running_app() as (url, server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        pages = []
        for _ in range(sessions):
            page = browser.new_context().new_page()
            page.goto(url)
            page.locator("[data-testid='stFileUploader'] input[type='file']").first.wait_for(state="attached")
            pages.append(page)
        time.sleep(2)
        idle = rss_mb(server.pid)
        watch = Watch(server.pid, None)
        watch.start()
        for page in pages:  # as close to at once as one driver gets
            page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(path))
        for page in pages:
            try:
                page.get_by_text("huge.png (").wait_for(timeout=120_000)
                shown["thumbnail shown"] += 1
            except Exception:  # noqa: BLE001 - counted, not raised: the page said something else
                shown["no thumbnail within 120 s"] += 1
        watch.stop.set()
        watch.join()
        browser.close()
    return {
        "idle": idle,
        "peak": watch.peak,
        "shown": shown,
        "sessions": sessions,
        "png_kb": path.stat().st_size / 1024,
    }


def describe_service(r: dict) -> list[str]:
    calm = [x for c in r["calm"] for x in c.latencies]
    loaded = [x for c in r["loaded"] for x in c.latencies]
    served = sum(len(c.latencies) for c in r["loaded"])
    statuses = Counter(str(s) for c in r["loaded"] for s in c.statuses)
    ratios = [f"{told} s / {wait:.1f} s" if wait is not None else f"{told} s / (queue never shorter)"
              for told, wait in r["told"]]  # fmt: skip
    within = [w is not None and 0.5 * w <= t <= 2 * w for t, w in r["told"]]
    p95_calm, p95_loaded = percentile(calm, 0.95), percentile(loaded, 0.95)
    name = {"local": "in-process (`nst serve`)", "ray": "Ray Serve, 2 replicas, one killed 20 s in"}[r["target"]]
    settled = "not within 60 s" if r["settled"] is None else f"{r['settled']:.1f} s"
    return [
        f"### {name}",
        "",
        "| measure | value | target |",
        "| --- | --- | --- |",
        f"| honest requests served | **{served} of {HONEST * REQUESTS}** (statuses seen: "
        f"{', '.join(f'{k} x{v}' for k, v in sorted(statuses.items()))}) | all, at most 3 retries |",
        f"| honest p50 / p95, unloaded | {percentile(calm, 0.5):.1f} s / {p95_calm:.1f} s | |",
        f"| honest p50 / p95, under attack | {percentile(loaded, 0.5):.1f} s / {p95_loaded:.1f} s "
        f"(**{p95_loaded / p95_calm:.1f}x**) | at most 3x |",
        f"| peak RSS of the server's processes | {r['peak']:.0f} MB, **{r['peak'] - r['idle']:.0f} MB above idle** "
        f"({r['idle']:.0f} MB) | at most 1024 MB above |",
        f"| any 500 | {'**yes**' if r['server_500'] else 'no'} | none |",
        f"| Retry-After told / wait measured | {'; '.join(ratios) or 'no 503'} "
        f"({sum(within)} of {len(within)} within 0.5x-2x) | all within 0.5x-2x |",
        f"| idle after the last client left | {settled} | at most 5 s |",
        f"| {SLOW_HEADERS} slow-header clients | {', '.join(f'{k}: {v}' for k, v in r['results']['slow'].items())} | "
        "dropped |",
        f"| {STALLED} stalled 45 MB chunked uploads | "
        f"{', '.join(f'{k}: {v}' for k, v in r['results']['stalled'].items())} | dropped |",
        f"| {HUGE} 7000x7000 PNGs at once | {', '.join(f'{k}: {v}' for k, v in r['results']['huge'].items())} | |",
        f"| {ABANDONED} Gatys requests left after 5 s | "
        f"{', '.join(f'{k}: {v}' for k, v in r['results']['gatys'].items())} | |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="local,ray,app")
    args = parser.parse_args()
    targets = args.targets.split(",")
    lines = [
        "# Hostile load (issue 35)",
        "",
        f"`python -m benchmarks.hostile --targets {args.targets}` on {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}; default settings (`NST_SERVICE_CLIENT_SECONDS` 10, uploads up to 50 MB, a "
        "queue of 8). The Retry-After wait is measured from `/healthz`: the seconds until the queue was shorter "
        "than when the client was refused.",
        "",
    ]
    for target in targets:
        if target in ("local", "ray"):
            lines += describe_service(attack(target))
        elif target == "app":
            r = app_attack()
            lines += [
                "### The app (Streamlit)",
                "",
                f"{r['sessions']} browser sessions each upload a 7000x7000 PNG ({r['png_kb']:.0f} KB) as their "
                f"photo at once: peak RSS {r['peak']:.0f} MB, **{r['peak'] - r['idle']:.0f} MB above idle** "
                f"({r['idle']:.0f} MB; target at most 1024 MB above); "
                f"{', '.join(f'{k}: {v}' for k, v in r['shown'].items())}.",
                "",
            ]
        print("\n".join(lines), flush=True)
    write_results(ROOT / "benchmarks" / "RESULTS-hostile.md", lines)


if __name__ == "__main__":
    main()
