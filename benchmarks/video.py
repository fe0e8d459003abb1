"""Video: flicker (warping error) and quality, temporal against per-frame, and speed; to RESULTS-video.md.

    python -m benchmarks.video --data ../shared/data \
        --vgg ../shared/data/weights/vgg19_normalised_relu3_1/vgg19_normalised_relu3_1_encoder.npz

Clips come from validation photos not used to choose the video settings (issue 38: photos 4-7
and the paintings starry_night, A_Almofada_Suave and sketch were the tuning set; these are photos
8-11 and other paintings): a camera pan of 3 px per frame (in the photo), a slow zoom (0.4 % per
frame) and a disc cut from another photo moving over a slow pan, all with sensor noise (sigma 2.5
levels), encoded as H.264. Paintings: fine brushwork, flat colour, a line drawing; `preset` paints
built-in style 19. Their true flow and occlusions are known, so the warping error (Lai et al.
2018: mean over frames of the masked squared difference between output frame t and output frame
t-1 warped by the input's flow, RGB in [0, 1]) uses the truth, not our own flow estimate. Style
and content losses: the quality metric of benchmarks/quality.py on every 6th frame (style: the
painting; content: the input frame), the style loss averaged over the 16 placements of the frame on
VGG's 4-px pooling grid: measured at one placement, the same painting moved by 1 px scored up to
1.8x apart. ``--look DIR`` writes frame 1 beside the last frame, per-frame and temporal, for each
clip.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

import nst
from benchmarks.quality import ROOT
from nst.io.images import fit, to_array
from nst.io.video import VideoReader
from nst.ops.flow import warping_error
from nst.training.data import image_files, split
from nst.video import stylize_video
from tests.helpers.clips import OBJECT, PAN, ZOOM, Motion, camera_clip, write_clip

CLIPS = {"pan": Motion(pan=(3.0, 0.0)), "zoom": ZOOM, "object": OBJECT}
NOISE = 2.5  # sensor noise, levels of 255
PAINTINGS = {  # held out from the tuning (see above), under DATA/styles
    "fine brushwork": "sunshineatnoon__LinearStyleTransfer/27.jpg",
    "flat colour": "ivandzvonka88__flutter-picartsso/Tons_da_Noite--Oscar_Florianus_Bluemner.jpg",
    "line drawing": "pkuanjie__ArtFlow/maxresdefault.jpg",
}


def clip_photos(data: Path) -> tuple[list[Path], Path]:
    contents = split(image_files(data / "content"))[1][8:12]
    styles = split(image_files(data / "styles"))[1]
    return contents, styles[0]


def style_args(engine: str, style: Image.Image) -> dict:
    return {"preset": 19} if nst.get_engine(engine).takes == "builtin" else {"style": style}


def decoded(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [f.astype(np.float32) / 255.0 for f in reader.frames()]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


GRID = 4  # px: VGG's pooling stride at relu3_1


def placements(image: np.ndarray) -> list[np.ndarray]:
    """``image`` cropped at the 16 offsets of VGG's pooling grid, as four batches of four."""
    height, width = image.shape[:2]
    crops = [[image[y : y + height - GRID, x : x + width - GRID] for x in range(GRID)] for y in range(GRID)]
    return [np.ascontiguousarray(np.stack(row)) for row in crops]


def style_statistics(vgg, image: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The style targets (mean, std per layer) of ``image``, averaged over the grid's placements."""
    from nst.nets.vgg import style_targets

    per = [style_targets(vgg(batch)) for batch in placements(image)]
    return [
        tuple(np.concatenate([np.asarray(p[layer][k]) for p in per]).mean(0, keepdims=True) for k in range(2))
        for layer in range(len(per[0]))
    ]


def grid_style_loss(vgg, frame: np.ndarray, targets) -> float:
    """The style loss of ``frame`` against ``targets``, averaged over the grid's placements."""
    from nst.nets.vgg import style_loss

    return float(np.mean([float(style_loss(vgg(batch), targets=targets)) for batch in placements(frame)]))


def quality(args, engines, contents, style_path, tmp: Path) -> list[str]:
    from nst.nets.vgg import build_vgg_encoder, content_loss

    vgg = build_vgg_encoder(args.vgg)
    sprite = Image.open(contents[3]).convert("RGB")
    preset_target = style_statistics(vgg, to_array(nst.stylize(sprite, preset=19, size=512)))  # a built-in style's look
    rows, ratios = [], {}
    short = write_clip(tmp / "warm.mp4", (f for f, _, _ in camera_clip(sprite, PAN, 3, (640, 360))), fps=24, audio=None)
    for engine in engines:  # each engine's graphs traced for both canvases before any time is taken
        for temporal in (False, True):
            stylize_video(short, tmp / "warm-out.mp4", engine=engine, temporal=temporal, **style_args(engine, sprite))
    for (clip, motion), photo_path in zip(CLIPS.items(), contents, strict=False):
        if clip not in args.clips:
            continue
        photo = Image.open(photo_path).convert("RGB")
        truth = list(camera_clip(photo, motion, args.frames, (640, 360), noise=NOISE, sprite=sprite))
        source = write_clip(tmp / f"{clip}.mp4", (f for f, _, _ in truth), fps=24, audio=None)
        inputs = decoded(source)
        for engine in engines:
            chosen = {kind: PAINTINGS[kind] for kind in args.paintings}
            paintings = {"built-in 19": None} if nst.get_engine(engine).takes == "builtin" else chosen
            for kind, name in paintings.items():
                style = None if name is None else fit(nst.load_image(args.data / "styles" / name), 512)
                target = preset_target if style is None else style_statistics(vgg, to_array(style))
                figures = {}
                for temporal in (False, True):
                    out = tmp / f"{engine}-{clip}-{temporal}.mp4"
                    start = time.perf_counter()
                    stylize_video(source, out, engine=engine, temporal=temporal, smoothing=args.smoothing,
                                  **style_args(engine, style))  # fmt: skip
                    seconds = time.perf_counter() - start
                    frames = decoded(out)
                    error = statistics.mean(
                        warping_error(frames[t], frames[t - 1], truth[t][1], truth[t][2]) for t in range(1, len(frames))
                    )
                    s_loss, c_loss, sharp = [], [], []
                    for t in range(0, len(frames), 6):
                        s_loss.append(grid_style_loss(vgg, frames[t], target))
                        c_loss.append(float(content_loss(vgg(frames[t][None])[2], vgg(inputs[t][None])[2])))
                        sharp.append(detail(frames[t]))
                    figures[temporal] = (error, *map(statistics.mean, (s_loss, c_loss, sharp)), seconds, frames)
                    if args.strip and engine == engines[0] and clip == "object" and kind == "fine brushwork":
                        strip(frames, inputs, temporal, args.strip)
                (e0, s0, c0, d0, t0, f0), (e1, s1, c1, d1, t1, f1) = figures[False], figures[True]
                if args.look:
                    look(args.look / f"{clip}-{engine}-{kind.replace(' ', '-')}.jpg", inputs, f0, f1)
                ratios.setdefault(engine, []).append((e1 / e0, s1 / s0, c1 / c0, d1 / d0, t1 / t0))
                rows.append(
                    f"| {engine} | {kind} | {clip} | {e0:.5f} | {e1:.5f} | **{e1 / e0:.2f}x** | {s1 / s0:.2f}x | "
                    f"{c1 / c0:.2f}x | {d1 / d0:.2f}x | {t1 / t0:.2f}x |"
                )
                print(rows[-1], flush=True)
    lines = [
        f"## Flicker and quality ({args.frames} frames per clip, 640x360, 24 fps, noise sigma {NOISE} levels)",
        "",
        "Ratios are temporal over per-frame (`--no-temporal`), each clip stylized file to file.",
        "",
        "| engine | painting | clip | warping error per-frame | temporal | ratio | style loss ratio "
        "| content loss ratio | stroke detail ratio | time ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]
    for engine, values in ratios.items():
        e, s, c, _, t = (max(v[i] for v in values) for i in range(5))
        d = min(v[3] for v in values)
        lines.append(
            f"- {engine}: worst case: warping error **{e:.2f}x** per-frame's, style loss {s:.2f}x, content loss "
            f"{c:.2f}x, stroke detail {d:.2f}x, time {t:.2f}x"
        )
    lines += [
        "",
        "Style loss of `preset` is against built-in style 19 painted on another photo at 512 px "
        "(a built-in style has no style image). "
        "Stroke detail: mean squared difference between a frame and its Gaussian blur (sigma 1.5 px), "
        "temporal over per-frame: below 1 means softer strokes.",
    ]
    return lines + [""]


def look(path: Path, inputs, per_frame, temporal) -> None:
    """The input, per-frame and temporal results (columns) at frame 1 and the last frame (rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [np.concatenate([x[t] for x in (inputs, per_frame, temporal)], 1) for t in (1, len(temporal) - 1)]
    Image.fromarray((np.clip(np.concatenate(rows, 0), 0, 1) * 255 + 0.5).astype(np.uint8)).save(path, quality=90)


def detail(frame: np.ndarray) -> float:
    """High-frequency energy: what a blur of 1.5 px removes (stroke texture and edges)."""
    import cv2

    return float(((frame - cv2.GaussianBlur(frame, (0, 0), 1.5)) ** 2).mean())


_strips: dict[bool, list[np.ndarray]] = {}


def strip(frames, inputs, temporal: bool, path: Path) -> None:
    """Frames 10-13 of the object clip: input, per-frame, temporal (one row each), for the README."""
    _strips[temporal] = frames[10:14]
    if len(_strips) < 2:
        return
    rows = [inputs[10:14], _strips[False], _strips[True]]
    picture = np.concatenate([np.concatenate([f[40:320, 40:400] for f in row], 1) for row in rows], 0)
    Image.fromarray((np.clip(picture, 0, 1) * 255 + 0.5).astype(np.uint8)).save(path, quality=88)
    print(f"strip -> {path}")


def speed(args, engines, contents, style_path, tmp: Path) -> list[str]:
    style = fit(nst.load_image(style_path), 512)
    photo = Image.open(contents[0]).convert("RGB")
    lines = [
        f"## Speed ({args.speed_frames} frames, frames per second; median of {args.repeats} runs)",
        "",
        "Stills: the same decoded frames rendered one by one with `nst.render` in this process (no video "
        "decode, flow or encode); per-frame and temporal: `stylize_video`, file to file.",
        "",
        "| engine | size | stills fps | per-frame fps | temporal fps | temporal / per-frame time | "
        "per-frame / stills time |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size in ((640, 360), (1280, 720)):
        clip = (f for f, _, _ in camera_clip(photo, PAN, args.speed_frames, size))
        source = write_clip(tmp / f"speed{size[0]}.mp4", clip, fps=24)
        inputs = [Image.fromarray((f * 255 + 0.5).astype(np.uint8)) for f in decoded(source)]
        for engine in engines:
            prepared = nst.prepare_style(engine=engine, **style_args(engine, style))
            settings = nst.Settings(size=size[0])
            nst.render(inputs[0], prepared, settings)  # warm up
            times = {"stills": [], False: [], True: []}
            for _ in range(args.repeats):
                start = time.perf_counter()
                for frame in inputs:
                    nst.render(frame, prepared, settings)
                times["stills"].append(time.perf_counter() - start)
                for temporal in (False, True):
                    start = time.perf_counter()
                    stylize_video(source, tmp / "speed-out.mp4", prepared, temporal=temporal)
                    times[temporal].append(time.perf_counter() - start)
            still, per, temp = (statistics.median(times[k]) for k in ("stills", False, True))
            n = len(inputs)
            lines.append(
                f"| {engine} | {size[0]}x{size[1]} | {n / still:.1f} | {n / per:.1f} | **{n / temp:.1f}** | "
                f"**{temp / per:.2f}x** | {per / still:.2f}x |"
            )
            print(lines[-1], flush=True)
    return lines + [""]


def memory(args, contents, tmp: Path) -> list[str]:
    photo = Image.open(contents[1]).convert("RGB")
    clip = (f for f, _, _ in camera_clip(photo, PAN, args.long_frames, (320, 180), noise=2))
    source = write_clip(tmp / "long.mp4", clip, fps=30)
    samples = {}

    def watch(p: nst.Progress) -> None:
        if p.done in (100, args.long_frames // 2, args.long_frames):
            samples[p.done] = rss_mib()

    start = time.perf_counter()
    stylize_video(source, tmp / "long-out.mp4", preset=19, progress=watch)
    seconds = time.perf_counter() - start
    marks = ", ".join(f"{rss:.0f} MiB after frame {frame}" for frame, rss in sorted(samples.items()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        f"## Memory over a {args.long_frames}-frame clip (preset, 320x180, temporal)",
        "",
        f"Resident memory: {marks}; peak of the whole benchmark process {peak:.0f} MiB; {seconds:.0f} s.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="folder with content/ and styles/")
    parser.add_argument("--vgg", type=Path, required=True, help="vgg19_normalised_relu3_1_encoder.npz")
    parser.add_argument("--engines", nargs="+", default=["magenta", "adain", "preset"])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--clips", nargs="+", choices=list(CLIPS), default=list(CLIPS))
    parser.add_argument("--paintings", nargs="+", choices=list(PAINTINGS), default=list(PAINTINGS))
    parser.add_argument("--speed-frames", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--long-frames", type=int, default=1000)
    parser.add_argument("--smoothing", type=float, help="the pull toward the warped past (default: the product's)")
    parser.add_argument("--parts", nargs="+", default=["quality", "speed", "memory"])
    parser.add_argument("--strip", type=Path, default=ROOT / "assets" / "video_strip.jpg")
    parser.add_argument("--look", type=Path, help="write frames side by side here, to look at")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-video.md")
    args = parser.parse_args()
    contents, style_path = clip_photos(args.data)
    lines = [
        "# Video (issues 18 and 38)",
        "",
        f"Command: `python -m benchmarks.video --data DATA --vgg VGG_NPZ --parts {' '.join(args.parts)} "
        f"--frames {args.frames} --clips {' '.join(args.clips)} --paintings {' '.join(map(repr, args.paintings))}` "
        f"({time.strftime('%Y-%m-%d')}, {platform.machine()}, 2 cores). Style image `{style_path.name}`; "
        "preset uses built-in style 19.",
        "",
    ]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if "quality" in args.parts:
            lines += quality(args, args.engines, contents, style_path, tmp)
        if "speed" in args.parts:
            lines += speed(args, args.engines, contents, style_path, tmp)
        if "memory" in args.parts:
            lines += memory(args, contents, tmp)
    kept = args.out.read_text().split("## Designs tried", 1) if args.out.exists() else []
    if len(kept) == 2:  # the written history of what was tried stays
        lines += ["## Designs tried" + kept[1].rstrip("\n")]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
