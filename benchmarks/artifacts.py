"""The adain artifacts of issue 19 as numbers, against the photo and magenta, and a 2x-zoom sheet.

    python -m benchmarks.artifacts --data ../shared/data --pairs 10 [--baseline-weights OLD.npz]

On validation pairs at 1024 px (the painting at most 512 px, as the engines see it):
  - grid: the power spectrum of the result's luminance (512 px centre crop, Hann window,
    summed over pairs) at the frequencies a 2x-upsampling decoder repeats itself on (periods
    2 and 4 px, rows, columns and diagonals), each over the median of a ring around it; the
    largest of them. A photo scores 0.2-3 there: anything far above is a regular pattern.
  - fringes: the chroma (BT.601 Cb, Cr) of the result's finest detail (the result minus its
    Gaussian blur, sigma 1.5 px) on the photo's strongest edges (top 5 % of gradient), over
    the same detail's luminance: how coloured the edges are drawn, per unit of edge drawn.
  - whites: the chroma of the result where the photo is white (all channels above 0.85,
    chroma under 0.04), and its mean Cb and Cr (blue-violet casts show as Cb > 0).
``--baseline-weights``: also an adain row with another decoder file (e.g. the one shipped
before). The sheet (``assets/adain_zoom.jpg``) is made from our own drawn example, never from
the data: photo, magenta and adain, 2x nearest-neighbour zoom.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

import nst
from benchmarks.figures import grid
from benchmarks.quality import ROOT, validation_pairs, write_results
from nst.io.images import fit, to_array
from nst.ops.color import rgb_to_ycbcr

SIDE = 1024
CROP = 512
GRID_FREQUENCIES = ((0, 0.25), (0.25, 0), (0.25, 0.25), (0.25, -0.25), (0, 0.5), (0.5, 0), (0.5, 0.5))
ZOOM_CROP = 160


def spectrum(picture: np.ndarray) -> np.ndarray:
    y = picture[..., :3].mean(-1)
    h, w = y.shape
    y = y[h // 2 - CROP // 2 : h // 2 + CROP // 2, w // 2 - CROP // 2 : w // 2 + CROP // 2]
    window = np.hanning(CROP)[:, None] * np.hanning(CROP)[None]
    return np.abs(np.fft.fft2((y - y.mean()) * window)) ** 2


def peak(power: np.ndarray, fy: float, fx: float) -> float:
    """Power at a frequency over the median of a ring 4-6 bins around it."""
    iy, ix = round(fy * CROP) % CROP, round(fx * CROP) % CROP
    ring = [
        power[(iy + dy) % CROP, (ix + dx) % CROP]
        for dy in range(-6, 7)
        for dx in range(-6, 7)
        if max(abs(dy), abs(dx)) >= 4
    ]
    return float(power[iy, ix] / np.median(ring))


def fringe_and_whites(photo: np.ndarray, out: np.ndarray) -> tuple[float, np.ndarray | None]:
    import cv2

    detail = rgb_to_ycbcr(out - cv2.GaussianBlur(out, (0, 0), 1.5))
    gray = photo.mean(-1)
    gradient = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    edges = gradient >= np.quantile(gradient, 0.95)
    fringe = float(np.hypot(detail[..., 1], detail[..., 2])[edges].mean() / np.abs(detail[..., 0])[edges].mean())
    ycc = rgb_to_ycbcr(photo)
    white = (photo.min(-1) > 0.85) & (np.hypot(ycc[..., 1], ycc[..., 2]) < 0.04)
    if white.sum() < 100:
        return fringe, None
    q = rgb_to_ycbcr(out)[white]
    return fringe, np.array([np.hypot(q[:, 1], q[:, 2]).mean(), q[:, 1].mean(), q[:, 2].mean()])


def measure(name: str, paint, pairs) -> dict:
    power, fringes, whites = 0.0, [], []
    for content_path, style_path in pairs:
        photo = fit(nst.load_image(content_path), SIDE, upscale=True)
        out = to_array(paint(photo, fit(nst.load_image(style_path), 512)))
        power = power + spectrum(out)
        fringe, white = fringe_and_whites(to_array(photo), out)
        fringes.append(fringe)
        if white is not None:
            whites.append(white)
    peaks = {f: peak(power, *f) for f in GRID_FREQUENCIES}
    white = np.mean(whites, axis=0)
    row = {"peaks": peaks, "grid": max(peaks.values()), "fringe": float(np.mean(fringes)), "white": white}
    print(name, f"grid {row['grid']:.1f} fringe {row['fringe']:.3f} white {white[0]:.3f}", flush=True)
    return row


def painters(baseline: Path | None) -> dict:
    def engine(name: str, **config):
        return lambda photo, style: nst.render(
            photo, nst.prepare_style(style, engine=name, **config), nst.Settings(size=SIDE, upscale=True), **config
        )

    made = {"photo": lambda photo, style: photo, "magenta": engine("magenta"), "adain": engine("adain")}
    if baseline is not None:
        made["adain, baseline decoder"] = engine("adain", decoder=str(baseline))
    return made


def zoom_sheet(path: Path) -> None:
    from nst.io.examples import example_painting, example_photo

    photo, painting = fit(example_photo(), SIDE, upscale=True), example_painting()
    made = {"photo": photo}
    for engine in ("magenta", "adain"):
        made[engine] = nst.stylize(photo, painting, engine=engine, size=SIDE, upscale=True)
    rows = []
    for fy, fx in ((0.42, 0.40), (0.18, 0.62)):  # the cabin and hills; the sky and the sun's glow
        y, x = int(photo.height * fy), int(photo.width * fx)
        box = (x, y, x + ZOOM_CROP, y + ZOOM_CROP)
        rows.append(
            [(f"{name} (2x)", im.crop(box).resize((2 * ZOOM_CROP,) * 2, Image.NEAREST)) for name, im in made.items()]
        )
    grid(rows, height=2 * ZOOM_CROP).save(path, quality=92)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="folder with content/ and styles/")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--baseline-weights", type=Path, help="another adain decoder file to measure beside")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-adain-artifacts.md")
    parser.add_argument("--sheet", type=Path, default=ROOT / "assets" / "adain_zoom.jpg")
    args = parser.parse_args()
    pairs = validation_pairs(args.data, 40)[: args.pairs]
    rows = {name: measure(name, paint, pairs) for name, paint in painters(args.baseline_weights).items()}
    zoom_sheet(args.sheet)
    lines = [
        "# adain artifacts (issue 19)",
        "",
        f"Command: `python -m benchmarks.artifacts --data DATA --pairs {args.pairs}"
        + (" --baseline-weights OLD.npz" if args.baseline_weights else "")
        + f"` ({time.strftime('%Y-%m-%d')}); {len(pairs)} validation pairs at {SIDE} px. "
        "Measures: this file's module docstring.",
        "",
        "| picture | grid peak (max) | "
        + " | ".join(f"f={f}" for f in GRID_FREQUENCIES)
        + " | fringes | white chroma | white Cb | white Cr |",
        "| --- " * (6 + len(GRID_FREQUENCIES)) + "|",
    ]
    for name, row in rows.items():
        cells = [f"{row['grid']:.1f}", *(f"{v:.1f}" for v in row["peaks"].values()), f"{row['fringe']:.3f}"]
        cells += [f"{row['white'][0]:.3f}", f"{row['white'][1]:+.3f}", f"{row['white'][2]:+.3f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"2x-zoom sheet of our own drawn example: `{args.sheet.name}`."]
    write_results(args.out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
