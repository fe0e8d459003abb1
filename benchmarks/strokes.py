"""Brush size at 4096 px (issue 19): does a large result keep the 1024 px look, only sharper?

    python -m benchmarks.strokes --data ../shared/data \
        --vgg ../shared/data/weights/vgg19_normalised_relu3_1/vgg19_normalised_relu3_1_encoder.npz \
        --pairs 10 --engines magenta adain

Three ways to make each validation pair (content fitted to ``--side``, upscaled as with
``--upscale``): the 1024 px result ("1024"), today's full-size path ("native": brush size 0.25 at
the output size: the network's own strokes) and ours (brush size 1). Each runs in its own process, so its
time (median per picture, after one warm-up) and peak memory (VmHWM, models included) are its own.

- Look: the style loss (benchmarks.quality's VGG metric) of each result scaled down to 1024 px,
  against the 1024 px result's; target ours within 1.1x.
- Sharpness: the energy of the finest octave (mean square of picture minus its 2x down-up copy)
  at full size, ours against the 1024 px result upscaled (bicubic) to full size.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.figures import grid
from benchmarks.quality import ROOT, pair_arguments, validation_pairs
from benchmarks.speed import peak_rss_mib
from nst.io.images import from_array

LOOK_SIDE = 1024
MODES = ("1024", "native", "ours")
CROP = 384  # px of the full-size pictures in the README crops


def octave_energy(pixels: np.ndarray) -> float:
    """Mean square of the finest octave of float HxWx3 pixels: what a 2x smaller copy cannot hold."""
    from nst.ops.strokes import resize

    height, width = pixels.shape[:2]
    return float(np.square(pixels - resize(resize(pixels, height // 2, width // 2), height, width)).mean())


def scaled(pixels: np.ndarray, side: int) -> np.ndarray:
    from nst.ops.strokes import resize

    height, width = pixels.shape[:2]
    scale = side / max(height, width)
    return resize(pixels, round(height * scale), round(width * scale))


def worker(mode: str, engine: str, pairs: list[tuple[str, str]], side: int, folder: Path) -> dict:
    """Render every pair one way; save each result seen at 1024 px, and the energy."""
    import nst
    from nst.io.images import fit, to_array

    nst.get_engine(engine)
    brush = {"1024": None, "native": LOOK_SIDE / side, "ours": 1.0}[mode]  # None: a 1024 px result
    seconds, energy = [], []
    for index, (content_path, style_path) in enumerate([pairs[0], *pairs]):  # pair 0 twice: a warm-up
        content = fit(nst.load_image(content_path), side, upscale=True)
        style = nst.load_image(style_path)
        start = time.perf_counter()
        if brush is None:
            out = to_array(nst.stylize(content, style, engine=engine, size=LOOK_SIDE))
            full = scaled(out, side)  # the 1024 px result upscaled (bicubic)
        else:
            full = to_array(nst.stylize(content, style, engine=engine, size=side, upscale=True, stroke_scale=brush))
            out = scaled(full, LOOK_SIDE)
        if index == 0:
            continue
        seconds.append(time.perf_counter() - start)
        energy.append(octave_energy(full))
        np.save(folder / f"{mode}-{index - 1}.npy", out)
    return {"seconds": statistics.median(seconds), "energy": energy, "peak_mib": peak_rss_mib()}


def run_mode(mode: str, engine: str, pairs, side: int, folder: Path) -> dict:
    code = (
        "import json, sys; from pathlib import Path; from benchmarks.strokes import worker; "
        f"print(json.dumps(worker({mode!r}, {engine!r}, {[(str(a), str(b)) for a, b in pairs]!r}, {side}, "
        f"Path({str(folder)!r}))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{engine} {mode} failed: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def crops_figure(engines: list[str], side: int, path: Path) -> None:
    """The README figure: a crop of our drawn example photo in our drawn painting's style at ``side`` px,
    three ways per engine (the validation data must not enter the project)."""
    import nst
    from nst.io.examples import example_painting, example_photo
    from nst.io.images import fit, to_array

    photo, painting = fit(example_photo(), side, upscale=True), example_painting()
    rows = []
    for engine in engines:

        def paint(size: int, brush: float = 1.0, engine: str = engine) -> np.ndarray:
            return to_array(nst.stylize(photo, painting, engine=engine, size=size, stroke_scale=brush))

        made = {
            f"today's {side}": paint(side, LOOK_SIDE / side),
            f"{LOOK_SIDE} upscaled": scaled(paint(LOOK_SIDE), side),
            "ours (brush 1)": paint(side),
        }
        height, width = made["ours (brush 1)"].shape[:2]
        y, x = height * 2 // 5, width * 2 // 5  # house and hills: edges and texture
        rows.append([(f"{engine}: {label}", from_array(p[y : y + CROP, x : x + CROP])) for label, p in made.items()])
    path.parent.mkdir(parents=True, exist_ok=True)
    grid(rows, height=CROP).save(path, quality=90)


def main() -> None:
    parser = pair_arguments(["magenta", "adain"], 10)
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-strokes.md")
    parser.add_argument("--figure", type=Path, default=ROOT / "assets" / "strokes_crops.jpg")
    parser.add_argument("--figure-only", action="store_true", help="only remake the README figure")
    args = parser.parse_args()
    if args.figure_only:
        crops_figure(args.engines, args.side, args.figure)
        return

    import nst
    from nst.io.images import fit, to_array
    from nst.nets.vgg import build_vgg_encoder, style_loss

    pairs = validation_pairs(args.data, args.pairs)
    vgg = build_vgg_encoder(args.vgg)
    styles = [vgg(to_array(fit(nst.load_image(s), 512))[None]) for _, s in pairs]  # as benchmarks.quality
    rows = []
    for engine in args.engines:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            runs = {mode: run_mode(mode, engine, pairs, args.side, folder) for mode in MODES}
            loss = {mode: [float(style_loss(vgg(np.load(folder / f"{mode}-{i}.npy")[None]), style))
                           for i, style in enumerate(styles)] for mode in MODES}  # fmt: skip
        base = np.mean(loss["1024"])
        ratio = {mode: float(np.mean(loss[mode]) / base) for mode in MODES}
        sharp = float(np.mean(runs["ours"]["energy"]) / np.mean(runs["1024"]["energy"]))
        sharp_native = float(np.mean(runs["native"]["energy"]) / np.mean(runs["1024"]["energy"]))
        rows.append((engine, base, ratio, sharp, sharp_native, runs))
        print(engine, ratio, sharp, {m: (r["seconds"], r["peak_mib"]) for m, r in runs.items()}, flush=True)

    side = args.side
    lines = [
        "# Brush size at full resolution (issue 19)",
        "",
        f"Command: `python -m benchmarks.strokes --data DATA --vgg VGG_NPZ --pairs {args.pairs} --side {side} "
        f"--engines {' '.join(args.engines)}` ({time.strftime('%Y-%m-%d')}, 2-core machine).",
        f"{len(pairs)} validation pairs (benchmarks.quality's), content upscaled to {side} px. Style loss of each "
        f"result scaled down to {LOOK_SIDE} px, as a ratio to the {LOOK_SIDE} px result's (target ours <= 1.1x); "
        f"finest-octave energy at {side} px as a ratio to the {LOOK_SIDE} px result upscaled (higher is sharper); "
        "time per picture (median, after a warm-up) and peak memory of a process that makes only that kind.",
        "",
        f"| engine | style loss at {LOOK_SIDE} | today's {side} | ours | sharpness: today's | ours "
        f"| s: {LOOK_SIDE} | s: today's {side} | s: ours | MiB: today's | MiB: ours |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for engine, base, ratio, sharp, sharp_native, runs in rows:
        lines.append(
            f"| {engine} | {base:.3f} | {ratio['native']:.2f}x | **{ratio['ours']:.2f}x** | {sharp_native:.1f}x "
            f"| **{sharp:.1f}x** | {runs['1024']['seconds']:.1f} | {runs['native']['seconds']:.1f} "
            f"| {runs['ours']['seconds']:.1f} ({runs['ours']['seconds'] / runs['native']['seconds']:.2f}x) "
            f"| {runs['native']['peak_mib']:.0f} | {runs['ours']['peak_mib']:.0f} "
            f"({runs['ours']['peak_mib'] / runs['native']['peak_mib']:.2f}x) |"
        )
    crops_figure(args.engines, side, args.figure)
    lines += ["", f"Crops ({CROP} px at full size, of our own drawn example, not the data): `{args.figure.name}`."]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
