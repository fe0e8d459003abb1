"""Steady load on the running app over loopback, from real browser sessions.

    python -m benchmarks.load_app --users 4 --minutes 3     # writes benchmarks/RESULTS-load.md

Starts `streamlit run app.py` on a free 127.0.0.1 port (with the app's result cache off,
NST_RESULT_CACHE=0, so every request is computed), opens USERS Chromium sessions, and has
each one stylize its own photo again and again until the time is up; bounded in count and time, then everything
stops. Reports p50/p95 seconds from Stylize to result, errors, and the server's RSS.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for results files


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS")) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--size", type=int, default=1024, help="photo long side (the output size)")
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS-load.md"))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from nst.io.examples import example_painting, example_photo
    from tests.helpers.app_server import CHROMIUM, CHROMIUM_FLAGS, running_app

    folder = Path(tempfile.mkdtemp())
    painting = folder / "painting.jpg"
    example_painting().save(painting, quality=92)
    photos = []
    for i in range(args.users):
        path = folder / f"photo{i}.jpg"
        example_photo(args.size, args.size * 3 // 4).rotate(3 * i).save(path, quality=92)
        photos.append(path)
    rss: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                rss.append(rss_mib(server.pid))
            except OSError:  # the server has exited
                return
            time.sleep(1)

    sampler = threading.Thread(target=sample, daemon=True)
    latencies: list[float] = []
    messages: list[str] = []
    errors = 0
    with running_app(env={"NST_RESULT_CACHE": "0"}) as (url, server):
        sampler.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            pages = []
            for i, photo in enumerate(photos):
                page = browser.new_context().new_page()
                page.goto(url)
                files = page.locator("[data-testid='stFileUploader'] input[type='file']")
                files.nth(0).set_input_files(str(photo))
                files.nth(1).set_input_files(str(painting))
                page.get_by_text(f"photo{i}.jpg (160x").wait_for(timeout=120_000)
                pages.append(page)
            deadline = time.monotonic() + args.minutes * 60
            pending: dict[int, tuple[float, str | None]] = {}
            sent = [0] * len(pages)
            while time.monotonic() < deadline and len(latencies) + errors < args.max_requests:
                for i, page in enumerate(pages):  # one event loop drives every session in turn
                    caption = page.get_by_text(" px in ")
                    if i not in pending:
                        slider = page.get_by_role("slider", name="Style strength (%)")
                        slider.press("ArrowLeft" if sent[i] % 2 == 0 else "ArrowRight")  # 100, 95, 100, ...
                        sent[i] += 1
                        previous = caption.first.inner_text() if caption.count() else None
                        page.get_by_role("button", name="Stylize", exact=True).click()
                        pending[i] = (time.monotonic(), previous)
                    else:
                        started, previous = pending[i]
                        failure = page.locator("[data-testid='stAlertContentError']")  # not the queue notice
                        if failure.count():
                            errors += 1
                            messages.append(failure.first.inner_text().strip()[:160])
                            del pending[i]
                        elif caption.count() and caption.first.inner_text() != previous:
                            latencies.append(time.monotonic() - started)
                            del pending[i]
                        elif time.monotonic() - started > 120:
                            errors += 1
                            messages.append("no result within 120 s")
                            del pending[i]
                time.sleep(0.05)
            browser.close()
        stop.set()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan")
    lines = [
        "# App under steady load (issue 8)",
        "",
        f"Command: `python -m benchmarks.load_app --users {args.users} --minutes {args.minutes:g} --size {args.size}` "
        f"({time.strftime('%Y-%m-%d')}, 2-core machine, server and {args.users} Chromium sessions on 127.0.0.1).",
        f"Each session stylizes its own {args.size}x{args.size * 3 // 4} photo over and over with a new strength "
        "(result cache off); time = Stylize pressed to the new result on the page.",
        "",
        f"- results: {len(latencies)}; errors: {errors}",
        f"- time to result: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s" if latencies else "- no results",
        f"- server RSS: start {rss[0]:.0f} MiB, peak {max(rss):.0f} MiB, end {rss[-1]:.0f} MiB" if rss else "",
    ]
    lines += [f"- error seen: {m}" for m in sorted(set(messages))[:5]]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
