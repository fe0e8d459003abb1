"""Quality metric of issues 5 and 6 on held-out content/style pairs; results to a Markdown table.

    python -m benchmarks.quality --data ../shared/data \
        --vgg ../shared/data/weights/vgg19_normalised_relu3_1/vgg19_normalised_relu3_1_encoder.npz \
        --engines identity magenta adain gatys --pairs 40 --gatys-pairs 8

Exactly the metric of the issues: images in [0, 1], output at 512 px long side, content
resized to the output's size, style image at its own size (<= 512 px); VGG-19 relu1_1,
relu2_1, relu3_1. Style loss = sum over layers of mean((mu_out - mu_style)^2) +
mean((sigma_out - sigma_style)^2), sigma = sqrt(var + 1e-5); content loss = mean((relu3_1(out)
- relu3_1(content))^2). Pairs come from the validation side of nst.training.data.split (never
trained on), chosen by a fixed seed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

import nst
from nst.io.images import fit, to_array
from nst.nets.vgg import build_vgg_encoder, content_loss, style_loss
from nst.training.data import image_files, split

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for results files

OUTPUT_SIDE = 512


HISTORY = "## History"  # a results file's hand-written part, kept when its tables are written again


def write_results(path: Path, lines: list[str]) -> None:
    """The measured part of a results file, keeping what follows its ``HISTORY`` heading."""
    kept = path.read_text().partition(HISTORY)[2] if path.is_file() else ""
    path.write_text("\n".join(lines) + "\n" + (f"\n{HISTORY}{kept}" if kept else ""))


def validation_pairs(data: Path, count: int, seed: int = 0) -> list[tuple[Path, Path]]:
    contents = split(image_files(data / "content"))[1]
    styles = split(image_files(data / "styles"))[1]
    rng = random.Random(seed)
    pairs = [(c, s) for c in contents for s in styles]
    rng.shuffle(pairs)
    return pairs[:count]


def run_engine(engine: str, content: Image.Image, style: Image.Image) -> Image.Image:
    if engine == "identity":
        return content
    return nst.stylize(content, style, engine=engine, size=OUTPUT_SIDE, upscale=True)


def measure(vgg, out: Image.Image, content: Image.Image, style: Image.Image) -> tuple[float, float]:
    """(style loss, content loss) of one result: the metric above."""
    if out.size != content.size:
        out = out.resize(content.size, Image.LANCZOS)
    f_out = vgg(to_array(out)[None])
    f_content = vgg(to_array(content)[None])
    f_style = vgg(to_array(style)[None])
    return float(style_loss(f_out, f_style)), float(content_loss(f_out[2], f_content[2]))


def metric_inputs(content_path: Path, style_path: Path) -> tuple[Image.Image, Image.Image]:
    """The photo at the output's size and the painting at its own size, at most 512 px."""
    return fit(nst.load_image(content_path), OUTPUT_SIDE, upscale=True), fit(nst.load_image(style_path), OUTPUT_SIDE)


def pair_arguments(engines: list[str], pairs: int) -> argparse.ArgumentParser:
    """The flags every benchmark on validation pairs takes: data, VGG weights, engines, pair count."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="folder with content/ and styles/")
    parser.add_argument("--vgg", type=Path, required=True, help="vgg19_normalised_relu3_1_encoder.npz")
    parser.add_argument("--engines", nargs="+", default=engines)
    parser.add_argument("--pairs", type=int, default=pairs)
    return parser


def main() -> None:
    parser = pair_arguments(["identity", "magenta"], 40)
    parser.add_argument("--gatys-pairs", type=int, default=8, help="Gatys is slow: the first N pairs only")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-quality.md")
    args = parser.parse_args()
    vgg = build_vgg_encoder(args.vgg)
    pairs = validation_pairs(args.data, args.pairs)
    rows, per_pair = {}, {}
    for engine in args.engines:
        count = min(len(pairs), args.gatys_pairs) if engine == "gatys" else len(pairs)
        styles, contents, seconds = [], [], []
        for content_path, style_path in pairs[:count]:
            content, style = metric_inputs(content_path, style_path)
            start = time.perf_counter()
            out = run_engine(engine, content, style)
            seconds.append(time.perf_counter() - start)
            s, c = measure(vgg, out, content, style)
            styles.append(s)
            contents.append(c)
        per_pair[engine] = (styles, contents)
        rows[engine] = (count, float(np.mean(styles)), float(np.mean(contents)), statistics.median(seconds))
        print(engine, rows[engine], flush=True)
    lines = [
        "# Quality metric (issues 5 and 6)",
        "",
        f"Command: `python -m benchmarks.quality --data DATA --vgg VGG_NPZ --engines {' '.join(args.engines)} "
        f"--pairs {args.pairs} --gatys-pairs {args.gatys_pairs}` ({time.strftime('%Y-%m-%d')}, 2-core machine).",
        "Validation pairs of `nst.training.data.split` (fixed seed); output 512 px long side; lower is better.",
        "",
        "| engine | pairs | style loss | content loss | median seconds per image |",
        "| --- | --- | --- | --- | --- |",
    ]
    for engine, (count, s, c, t) in rows.items():
        lines.append(f"| {engine} | {count} | {s:.3f} | {c:.3f} | {t:.2f} |")
    for engine in ("adain", "gatys"):
        if "magenta" not in rows or engine not in rows:
            continue
        n = rows[engine][0]
        m_style, m_content = (float(np.mean(v[:n])) for v in per_pair["magenta"])
        e_style, e_content = rows[engine][1], rows[engine][2]
        lines += [
            "",
            f"{engine} against magenta on the same {n} pairs: magenta style {m_style:.3f}, content {m_content:.3f}; "
            f"{engine} style **{e_style / m_style:.2f}x**, content **{e_content / m_content:.2f}x** magenta's.",
        ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
