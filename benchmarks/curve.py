"""Engines compared on the whole style/content curve (issue 19), not at one strength.

    python -m benchmarks.curve --data ../shared/data \
        --vgg ../shared/data/weights/vgg19_normalised_relu3_1/vgg19_normalised_relu3_1_encoder.npz \
        --pairs 40 --engines magenta adain

Each engine stylizes every validation pair at strengths 0.4 to 1.0 (the metric of
benchmarks/quality.py: 512 px, VGG-19 style and content losses); the mean losses per strength
are one curve. At each of the reference engine's points (the first engine), the other engines'
content loss at the same style loss is read off their curve (linear in style loss between their
two nearest strengths) and given as a ratio: below 1 is better. Writes
``benchmarks/RESULTS-curve.md`` and the plot ``benchmarks/curve.png``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image

import nst
from benchmarks.quality import OUTPUT_SIDE, ROOT, pair_arguments, validation_pairs, write_results
from nst.engines.contract import Settings
from nst.io.images import fit, to_array
from nst.nets.vgg import build_vgg_encoder, content_loss, style_loss

STRENGTHS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def curve(engine: str, pairs, vgg, config: dict | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """(style loss per strength, content loss per strength, median seconds per picture), means over
    pairs; ``config``: the engine's own settings (e.g. a decoder to try before shipping it)."""
    config = config or {}
    styles = np.zeros((len(pairs), len(STRENGTHS)))
    contents = np.zeros_like(styles)
    seconds = []
    for i, (content_path, style_path) in enumerate(pairs):
        content = fit(nst.load_image(content_path), OUTPUT_SIDE, upscale=True)
        style = fit(nst.load_image(style_path), OUTPUT_SIDE)
        prepared = nst.prepare_style(style, engine=engine, **config)
        f_content = vgg(to_array(content)[None])
        f_style = vgg(to_array(style)[None])
        for j, strength in enumerate(STRENGTHS):
            start = time.perf_counter()
            out = nst.render(content, prepared, Settings(strength=strength, size=OUTPUT_SIDE, upscale=True), **config)
            seconds.append(time.perf_counter() - start)
            if out.size != content.size:
                out = out.resize(content.size, Image.LANCZOS)
            f_out = vgg(to_array(out)[None])
            styles[i, j] = float(style_loss(f_out, f_style))
            contents[i, j] = float(content_loss(f_out[2], f_content[2]))
    return styles.mean(0), contents.mean(0), float(np.median(seconds))


def content_at(style_target: float, styles: np.ndarray, contents: np.ndarray) -> float | None:
    """Content loss of a curve at a given style loss (None outside the curve's range)."""
    order = np.argsort(styles)
    s, c = styles[order], contents[order]
    if not s[0] <= style_target <= s[-1]:
        return None
    return float(np.interp(style_target, s, c))


def plot(curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    for engine, (styles, contents, _) in curves.items():
        ax.plot(styles, contents, "o-", label=engine)
        for strength, s, c in zip(STRENGTHS, styles, contents, strict=True):
            if strength in (0.4, 0.7, 1.0):
                ax.annotate(f"{strength:g}", (s, c), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("style loss (VGG-19 mean/std, log scale)")
    ax.set_ylabel("content loss (VGG-19 relu3_1)")
    ax.set_title("Style/content curve, strength 0.4 to 1.0 (lower left is better)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = pair_arguments(["magenta", "adain"], 40)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-curve.md")
    parser.add_argument("--plot", type=Path, default=ROOT / "benchmarks" / "curve.png")
    parser.add_argument(
        "--decoder", type=Path, help="adain: these decoder weights (from nst train), not the shipped ones"
    )
    args = parser.parse_args()
    vgg = build_vgg_encoder(args.vgg)
    pairs = validation_pairs(args.data, args.pairs)
    curves = {}
    for engine in args.engines:
        config = {"decoder": str(args.decoder)} if engine == "adain" and args.decoder else {}
        curves[engine] = curve(engine, pairs, vgg, config)
        print(engine, " ".join(f"{s:.3f}/{c:.3f}" for s, c in zip(*curves[engine][:2], strict=True)), flush=True)
    reference = args.engines[0]
    lines = [
        "# Style/content curves (issue 19)",
        "",
        f"Command: `python -m benchmarks.curve --data DATA --vgg VGG_NPZ --pairs {args.pairs} "
        f"--engines {' '.join(args.engines)}{' --decoder ' + args.decoder.name if args.decoder else ''}` "
        f"({time.strftime('%Y-%m-%d')}, 2-core machine). "
        f"{len(pairs)} validation pairs, 512 px, the metric of `benchmarks/quality.py`; plot: `benchmarks/curve.png`.",
        "",
        "| engine | strength | style loss | content loss |",
        "| --- | --- | --- | --- |",
    ]
    for engine, (styles, contents, _) in curves.items():
        rows = zip(STRENGTHS, styles, contents, strict=True)
        lines += [f"| {engine} | {a:g} | {s:.3f} | {c:.3f} |" for a, s, c in rows]
    lines += ["", f"Content loss at {reference}'s style loss, as a ratio to {reference}'s content loss:", ""]
    others = [e for e in args.engines if e != reference]
    lines += ["| " + " | ".join([f"{reference} strength", "style loss", *others]) + " |"]
    lines += ["| " + " | ".join(["---"] * (2 + len(others))) + " |"]
    r_styles, r_contents, _ = curves[reference]
    for a, s, c in zip(STRENGTHS, r_styles, r_contents, strict=True):
        cells = []
        for engine in others:
            value = content_at(s, *curves[engine][:2])
            cells.append("outside its curve" if value is None else f"{value / c:.3f}x")
        lines.append(f"| {a:g} | {s:.3f} | " + " | ".join(cells) + " |")
    lines += ["", "Median seconds per 512 px picture: " + ", ".join(f"{e} {v[2]:.3f}" for e, v in curves.items()) + "."]
    write_results(args.out, lines)
    plot(curves, args.plot)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
