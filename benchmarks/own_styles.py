"""Own fast styles (issue 23): learn a style per validation painting on training photos, then
score it with the quality metric (benchmarks/quality.py, 512 px) against magenta and adain on
validation photos the learning never saw. Writes the table and the learning curve.

    python -m benchmarks.own_styles --data ../shared/data \
        --vgg ../shared/data/weights/vgg19_normalised_relu3_1/vgg19_normalised_relu3_1_encoder.npz \
        --paintings 6 --photos 8 [--steps 300 --init nearest]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import nst
from benchmarks.quality import OUTPUT_SIDE, ROOT, measure, metric_inputs, write_results
from nst.io.images import to_array
from nst.nets.vgg import build_vgg_encoder
from nst.ops.color import pale_share
from nst.styles.library import DIR_ENV, StyleLibrary
from nst.training.data import image_files, split
from nst.training.own_style import LearnSettings, learn_style

ENGINES = ("learned", "magenta", "adain")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--vgg", type=Path, required=True)
    parser.add_argument("--paintings", type=int, default=6, help="validation paintings, each learned once")
    parser.add_argument(
        "--first-painting", type=int, default=0, help="the first validation painting used (others for fresh ones)"
    )
    parser.add_argument("--photos", type=int, default=8, help="validation photos each style is scored on")
    parser.add_argument("--train-photos", type=int, default=40, help="training photos the styles learn on")
    parser.add_argument("--steps", type=int, default=LearnSettings.steps)
    parser.add_argument("--init", default=LearnSettings.init)
    parser.add_argument("--learning-rate", type=float, default=LearnSettings.learning_rate)
    parser.add_argument("--content-weight", type=float, default=LearnSettings.content_weight)
    parser.add_argument("--size", type=int, default=LearnSettings.size, help="training crops, px")
    parser.add_argument(
        "--learn-without-vgg", action="store_true",
        help="learn with the offline loss network (the embedded MobileNetV2); VGG-19 still scores",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-own-styles.md")
    args = parser.parse_args()
    os.environ[DIR_ENV] = tempfile.mkdtemp(prefix="nst-styles-")  # never the user's own library
    settings = LearnSettings(
        steps=args.steps, init=args.init, learning_rate=args.learning_rate, content_weight=args.content_weight,
        size=args.size,
    )  # fmt: skip
    train_photos = [nst.load_image(p) for p in split(image_files(args.data / "content"))[0][: args.train_photos]]
    eval_photos = split(image_files(args.data / "content"))[1][: args.photos]
    paintings = split(image_files(args.data / "styles"))[1][args.first_painting : args.first_painting + args.paintings]
    vgg = build_vgg_encoder(args.vgg)
    library = StyleLibrary()
    rows, curves = [], []
    for i, painting_path in enumerate(paintings):
        painting = nst.load_image(painting_path)
        learned = learn_style(
            painting,
            train_photos,
            name=f"Painting {i}",
            settings=settings,
            vgg=None if args.learn_without_vgg else args.vgg,
        )
        library.add(learned)
        scores = {engine: [] for engine in ENGINES}
        for photo_path in eval_photos:
            content, style = metric_inputs(photo_path, painting_path)
            for engine in ENGINES:
                if engine == "learned":
                    out = nst.stylize(content, preset=learned.name, size=OUTPUT_SIDE, upscale=True)
                else:
                    out = nst.stylize(content, style, engine=engine, size=OUTPUT_SIDE, upscale=True)
                pale = pale_share(to_array(content), to_array(out.resize(content.size)))
                scores[engine].append((*measure(vgg, out, content, style), 100 * pale))
        means = {e: np.mean(v, axis=0) for e, v in scores.items()}
        label = f"{painting_path.parent.name}/{painting_path.name}"  # two sources both have a wave.jpg
        rows.append((label, learned.settings["seconds"], learned.settings["steps_done"], means))
        if learned.settings.get("warning"):
            print("warning:", learned.settings["warning"])
        curves.append((label, learned.settings["curve"]))
        print(painting_path.name, learned.settings["seconds"], {e: m.round(3).tolist() for e, m in means.items()})
    total = {e: np.mean([r[3][e] for r in rows], axis=0) for e in ENGINES}
    ls, lc, lp = total["learned"]
    lines = [
        "# Own fast styles (issue 23)",
        "",
        f"Command: `python -m benchmarks.own_styles --data DATA --vgg VGG_NPZ --paintings {args.paintings} "
        f"--first-painting {args.first_painting} "
        f"--photos {args.photos} --steps {args.steps} --init {args.init} "
        f"--learning-rate {args.learning_rate} --size {args.size}{' --learn-without-vgg' * args.learn_without_vgg}` "
        f"({time.strftime('%Y-%m-%d')}, 2-core machine).",
        f"Each validation painting learned once on {len(train_photos)} training photos (defaults otherwise: "
        f"{settings.size} px crops, batch {settings.batch}, learning rate {settings.learning_rate}, content weight "
        f"{settings.content_weight}); scored on {len(eval_photos)} validation photos with the quality metric at "
        "512 px (lower is better).",
        "",
        "Pale: % of the picture dark in the photo but painted near white or grey (`nst.ops.color.pale_share`).",
        "",
        "| painting | minutes to learn | steps | learned style | learned content | learned pale % | magenta style "
        "| magenta content | magenta pale % | adain style | adain content | adain pale % |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, seconds, steps, m in rows:
        cells = " | ".join(f"{m[e][0]:.3f} | {m[e][1]:.3f} | {m[e][2]:.1f}" for e in ENGINES)
        lines.append(f"| {name} | {seconds / 60:.1f} | {steps} | {cells} |")
    cells = " | ".join(f"**{total[e][0]:.3f}** | **{total[e][1]:.3f}** | **{total[e][2]:.1f}**" for e in ENGINES)
    minutes = np.mean([r[1] for r in rows]) / 60
    lines += [
        f"| mean | {minutes:.1f} | | {cells} |",
        "",
        f"Learned against magenta: style **{ls / total['magenta'][0]:.2f}x**, content "
        f"**{lc / total['magenta'][1]:.2f}x**, pale **{lp:.1f} %** against {total['magenta'][2]:.1f} %; "
        f"against adain: style **{ls / total['adain'][0]:.2f}x** "
        f"(targets: style at most 0.8x both, content at most 1.1x magenta's, at most 5 minutes).",
        "",
        "## Learning curve",
        "",
        "Held-out crops' losses while learning (training scale: 256 px crops, the painting at 512 px; "
        "not the metric's scale): step, minutes, style, content, total.",
        "",
    ]
    for name, curve in curves:
        points = "; ".join(
            f"{int(s)}: {m / 60:.1f} min, {st:.3f}/{c:.2f}" for s, m, st, c, _ in curve[:: max(1, len(curve) // 7)]
        )
        lines.append(f"- {name}: {points}")
    write_results(args.out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
