"""``nst``: the command line. ``nst stylize``, ``nst sheet``, ``nst export``, ``nst style``, ``nst train``;
``nst PHOTO --style ...`` (and ``python -m nst PHOTO ...``) is the short form of ``nst stylize``.

Every failure the user can fix (bad image, bad option, engine unavailable) ends with exit
status 2 and exactly one line on stderr; no traceback. Engine options and settings become
flags from the engines' own declarations, so this file names no engine.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from nst import api
from nst.cli.progress import ProgressBar
from nst.cli.styles import add_style_commands, run_style
from nst.engines import describe, engine_names, engines_where, get_engine
from nst.errors import NSTError
from nst.io import images
from nst.io.files import check_writable
from nst.request.model import Request
from nst.request.rules import DEFAULT_FEATHER, DEFAULT_SIZE, MAX_SIZE, MAX_STROKE_SCALE, MIN_SIZE, MIN_STROKE_SCALE
from nst.runtime.extras import require
from nst.runtime.progress import Cancelled, CancelToken
from nst.service.backends import DEFAULT_QUEUE
from nst.video.temporal import BLEND

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
COMMANDS = ("stylize", "video", "batch", "sheet", "export", "serve", "style", "train")


class UsageError(Exception):
    """A command-line mistake, reported in one line."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default prints the whole usage block
        raise UsageError(message)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def engine_option_fields() -> dict[str, list[dataclasses.Field]]:
    """Every registered engine's options (fields with help text), by engine."""
    fields = {}
    for name in engine_names():
        options_type = describe(name).options_type
        if options_type is not None:
            fields[name] = [f for f in dataclasses.fields(options_type) if "help" in f.metadata]
    return fields


def _option_type(field: dataclasses.Field):
    kind = field.type if isinstance(field.type, str) else field.type.__name__
    return {"int": int, "float": float, "str": str, "bool": bool}[kind]


def add_engine_flags(parser: argparse.ArgumentParser) -> None:
    """A flag group per engine with options, and the engines' configuration flags."""
    seen: set[str] = set()
    for engine, fields in engine_option_fields().items():
        group = parser.add_argument_group(f"engine {engine}")
        for field in fields:
            if field.name in seen:
                continue
            seen.add(field.name)
            kind = _option_type(field)
            text = f"{field.metadata['help']} (default {field.default})"
            if kind is bool:
                group.add_argument(flag(field.name), action=argparse.BooleanOptionalAction, help=text)
            else:
                group.add_argument(flag(field.name), type=kind, choices=field.metadata.get("choices"), help=text)
    for engine in engine_names():
        for name, text in describe(engine).config_options.items():
            if name not in seen:
                seen.add(name)
                parser.add_argument(flag(name), help=f"{text} (engine {engine})")


def add_style_flags(parser: argparse.ArgumentParser) -> None:
    """What to paint with and how much: the same for photos and videos."""
    parser.add_argument("-s", "--style", action="append", help="style image; repeat to blend")
    parser.add_argument(
        "-p",
        "--preset",
        help="built-in style 0-25, a learned style's name (nst style list), or a blend like 3:0.5,Monet:0.5",
    )
    parser.add_argument("--engine", choices=engine_names(), help="default: magenta, or preset when --preset is given")
    parser.add_argument("--strength", type=float, default=1.0, help="style strength, 0 to 1 (default 1)")
    parser.add_argument("--preserve-color", action="store_true", help="keep the content's original colours")
    parser.add_argument("--weights", type=float, nargs="+", help="blend weight per --style, e.g. 0.7 0.3")
    parser.add_argument(
        "--stroke-scale", type=float, default=1.0, metavar="F",
        help="brush size: 1 paints strokes as large (relative to the picture) as a 1024 px result at any size, "
        f"2 twice as large, 0.5 half; {MIN_STROKE_SCALE} to {MAX_STROKE_SCALE} (default 1)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    engines = "; ".join(f"{name}: {describe(name).description}" for name in engine_names())
    parser = OneLineParser(
        prog="nst",
        description="Neural style transfer: repaint photos in the style of a painting. "
        "'nst PHOTO --style PAINTING' is short for 'nst stylize PHOTO --style PAINTING'.",
        epilog=f"Engines - {engines}.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    stylize = commands.add_parser(
        "stylize", help="stylize photos (also the default command)", epilog=f"Engines - {engines}."
    )
    stylize.add_argument("content", nargs="+", help="content photo(s)")
    stylize.add_argument("-o", "--output", help="output file (one content) or folder (several)")
    add_style_flags(stylize)
    stylize.add_argument(
        "--size", type=int, default=DEFAULT_SIZE,
        help=f"long side of the result in px, {MIN_SIZE} to {MAX_SIZE} (default {DEFAULT_SIZE})",
    )  # fmt: skip
    stylize.add_argument("--upscale", action="store_true", help="allow a result larger than the content")
    stylize.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default 95)")
    stylize.add_argument(
        "--mask", metavar="MASK",
        help="regional styles: an image of the photo's shape, white inside; the first --style (or --preset A,B) "
        "paints the inside, the second the outside (only one: the outside stays the photo)",
    )  # fmt: skip
    stylize.add_argument(
        "--feather", type=float, default=DEFAULT_FEATHER, metavar="F",
        help=f"with --mask: soften the border over F times the long side (default {DEFAULT_FEATHER})",
    )  # fmt: skip
    add_engine_flags(stylize)

    video = commands.add_parser(
        "video", help="stylize a video (MP4, MOV, WebM, AVI, GIF) into an H.264 MP4, without flicker",
        epilog=f"Engines - {engines}.",
    )  # fmt: skip
    video.add_argument("input", help="video file")
    video.add_argument("-o", "--output", required=True, help="output .mp4 (written only when complete)")
    add_style_flags(video)
    video.add_argument(
        "--size", type=int,
        help=f"long side of the output in px, {MIN_SIZE} to {MAX_SIZE} (default: the input's, at most 1920)",
    )  # fmt: skip
    video.add_argument("--upscale", action="store_true", help="allow an output larger than the input")
    video.add_argument("--no-temporal", action="store_true", help="stylize each frame on its own (flickers)")
    video.add_argument(
        "--smoothing", type=float,
        help="how much of the previous frame is kept where the motion is reliable, 0 to 0.99 (default: "
        f"0 for the networks painted on a steady canvas, {BLEND} for the others)",
    )  # fmt: skip
    add_engine_flags(video)

    batch = commands.add_parser(
        "batch", help="stylize every image under a folder into another (resumable; --ray for a cluster)",
        epilog=f"Engines - {engines}.",
    )  # fmt: skip
    batch.add_argument("input", help="folder of photos (subfolders too)")
    batch.add_argument("output", help="folder for the results, same relative paths (made if missing)")
    add_style_flags(batch)
    batch.add_argument("--size", type=int, default=DEFAULT_SIZE, help=f"long side in px (default {DEFAULT_SIZE})")
    batch.add_argument("--upscale", action="store_true", help="allow results larger than their photos")
    batch.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default 95)")
    batch.add_argument("--ray", action="store_true", help="a Ray Data pipeline (RAY_ADDRESS, or a Ray of its own)")
    batch.add_argument("--actors", type=int, default=2, help="with --ray: stylizing actors (default 2)")
    batch.add_argument("--actor-cpus", type=int, default=1, help="with --ray: CPUs per actor (default 1)")
    add_engine_flags(batch)

    names = ", ".join(f"{i} {name}" for i, name in enumerate(api.builtin_styles()))
    sheet = commands.add_parser(
        "sheet", help="all built-in styles on your photo, labelled, in one picture", epilog=f"Styles: {names}."
    )
    sheet.add_argument("content", help="content photo")
    sheet.add_argument("-o", "--output", default="sheet.png", help="output file (default sheet.png)")
    sheet.add_argument("--size", type=int, default=256, help="long side of each tile in px (default 256)")

    exportable = engines_where(lambda e: bool(e.export_formats))
    export = commands.add_parser("export", help="write an engine's models for phones and low-end devices (TFLite)")
    export.add_argument("--engine", default=exportable[0], choices=exportable, help=f"default {exportable[0]}")
    export.add_argument("--format", default="tflite", help="model format (default tflite)")
    export.add_argument("--float16", action="store_true", help="store weights as float16 (half the size)")
    export.add_argument("-o", "--output", required=True, help="folder to write the models into")

    serve = commands.add_parser("serve", help="the HTTP service: POST /v1/stylize, docs at /docs")
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--queue", type=int, default=DEFAULT_QUEUE,
        help=f"requests waiting for a free slot before new ones get 503 (default {DEFAULT_QUEUE})",
    )  # fmt: skip

    serve.add_argument("--ray", action="store_true", help="on Ray Serve (RAY_ADDRESS, or a Ray of its own)")
    scale = serve.add_mutually_exclusive_group()
    scale.add_argument("--replicas", type=int, help="with --ray: this many stylizer replicas (default 1)")
    scale.add_argument("--autoscale", metavar="MIN:MAX", help="with --ray: replicas between MIN and MAX by load")
    serve.add_argument("--replica-cpus", type=float, default=1, help="with --ray: CPUs per replica (default 1)")

    add_style_commands(commands, OneLineParser)
    commands.add_parser("train", help="train the AdaIN decoder (nst train --help)", add_help=False)
    return parser


def with_command(argv: list[str]) -> list[str]:
    """``nst PHOTO ...`` means ``nst stylize PHOTO ...``: anything but a command name or a
    top-level flag is the short form (a photo named like a command: ``nst stylize sheet ...``)."""
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        return ["stylize", *argv]
    return argv


def output_paths(contents: list[str], output: str | None) -> list[Path]:
    """Where each result goes; checked before any work so a typo costs no compute."""
    if len(contents) == 1:
        path = Path(output) if output else Path(f"{Path(contents[0]).stem}_stylized.png")
        if path.is_dir():
            path = path / f"{Path(contents[0]).stem}_stylized.png"
        images.output_format(path)
        if not path.parent.exists():
            raise UsageError(f"output folder {path.parent} does not exist")
        paths = [path]
    else:
        folder = Path(output or ".")
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"-o {folder}: with several content images, -o must be a folder")
        paths = [folder / name for name in result_names(contents)]
    sources = {Path(c).resolve(): c for c in contents}
    for path in paths:
        if path.resolve() in sources:
            raise UsageError(f"{path.name}: the output would overwrite the input photo {sources[path.resolve()]}")
    check_writable(paths[0].parent)
    return paths


def result_names(contents: list[str]) -> list[str]:
    """``beach_stylized.png`` per input; inputs sharing a stem keep their extension apart
    (``photo-webp_stylized.png``), and any remaining clash gets a counter."""
    stems = [Path(c).stem for c in contents]
    names, seen = [], set()
    for content, stem in zip(contents, stems, strict=True):
        suffix = Path(content).suffix.lstrip(".").lower()
        base = f"{stem}-{suffix}" if stems.count(stem) > 1 and suffix else stem
        name, n = f"{base}_stylized.png", 2
        while name in seen:
            name, n = f"{base}-{n}_stylized.png", n + 1
        seen.add(name)
        names.append(name)
    return names


def engine_values(args: argparse.Namespace) -> dict[str, object]:
    """The engine flags given (options and configuration by name); the request checks that they
    belong to its engine."""
    names = {f.name for fields in engine_option_fields().values() for f in fields}
    names |= {name for engine in engine_names() for name in describe(engine).config_options}
    return {name: getattr(args, name) for name in sorted(names) if getattr(args, name, None) is not None}


def request_of(args: argparse.Namespace, **fields: object) -> Request:
    """The request the flags describe (checked in full before anything is decoded or loaded)."""
    return Request(
        styles=args.style or (), style_names=[Path(s).name for s in args.style or []], preset=args.preset,
        weights=args.weights, engine=args.engine, strength=args.strength, preserve_color=args.preserve_color,
        stroke_scale=args.stroke_scale, upscale=args.upscale, engine_values=engine_values(args), **fields,
    )  # fmt: skip


class StopOnInterrupt:
    """The first Ctrl-C asks the running picture to stop (an optimizing engine keeps its best so
    far); a second one interrupts at once."""

    def __init__(self):
        self.token = CancelToken()
        try:
            signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread
            pass

    def _handle(self, *_):
        if self.token.cancelled:
            raise KeyboardInterrupt
        self.token.cancel()


def load_style(request: Request) -> tuple:
    """The engine loaded (its note, if any, on stderr) and the request's styles prepared for it."""
    runner = get_engine(request.engine_name, **request.config)
    if runner.note:
        print(f"nst: {runner.note}", file=sys.stderr)
    return api.prepare(request)


def say_if_size_kept(name: str, width: int, height: int, args: argparse.Namespace) -> None:
    """One line on stderr when a picture or video smaller than ``--size`` keeps its own size."""
    if args.size and max(width, height) < args.size and not args.upscale:
        print(
            f"nst: {name} is {width}x{height}, smaller than --size {args.size}; kept its size (--upscale enlarges it)",
            file=sys.stderr,
        )


def run_stylize(args: argparse.Namespace) -> int:
    if not 1 <= args.quality <= 100:
        raise UsageError("--quality must be from 1 to 100")
    request = request_of(args, size=args.size, mask=args.mask, feather=args.feather)
    targets = output_paths(args.content, args.output)
    style = None
    stop = StopOnInterrupt()
    failures = 0
    for index, (content, target) in enumerate(zip(args.content, targets, strict=True), start=1):
        bar = ProgressBar(Path(content).name)
        try:
            picture = images.load_image(content, name=Path(content).name)  # a bad photo costs no model load
            if style is None:  # the engine and the style(s), once, at the first photo that decodes
                style = load_style(request)  # a broken style image is the only line, before any note
            say_if_size_kept(Path(content).name, *picture.size, args)
            start = time.perf_counter()  # model loading is not the first picture's time
            result = api.run(
                request.with_content(picture, Path(content).name), prepared=style, progress=bar, cancel=stop.token
            )
            bar.close()
            images.save(result, target, quality=args.quality)
        except Cancelled:
            bar.close()
            print("nst: cancelled (Ctrl-C); nothing written for this picture", file=sys.stderr)
            return EXIT_INTERRUPTED
        except NSTError as exc:
            bar.close()
            if len(args.content) == 1:
                raise
            failures += 1
            print(f"[{index}/{len(args.content)}] {content}: error: {exc}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - start
        print(f"[{index}/{len(args.content)}] {content} -> {target} ({result.width}x{result.height}, {seconds:.1f} s)")
        if stop.token.cancelled:
            print("nst: stopped early (Ctrl-C); saved the best image so far", file=sys.stderr)
            return EXIT_INTERRUPTED
    return EXIT_USAGE if failures else 0


def run_video(args: argparse.Namespace) -> int:
    require("video", "nst video")
    from nst.io.video import VideoReader
    from nst.video import stylize_video
    from nst.video.pipeline import check_output

    check_output(args.output)
    request = request_of(args, size=args.size or DEFAULT_SIZE)  # checked before the video is read
    with VideoReader(args.input, name=Path(args.input).name) as reader:  # a bad video costs no model load
        width, height = reader.info.width, reader.info.height
    say_if_size_kept(Path(args.input).name, width, height, args)
    style = load_style(request)[0]
    stop = StopOnInterrupt()
    bar = ProgressBar(Path(args.input).name)
    try:
        result = stylize_video(
            args.input, args.output, style, strength=args.strength, size=args.size, upscale=args.upscale,
            preserve_color=args.preserve_color, stroke_scale=args.stroke_scale, temporal=not args.no_temporal,
            smoothing=args.smoothing,
            options=request.options, progress=bar, cancel=stop.token, name=Path(args.input).name, **request.config,
        )  # fmt: skip
    except Cancelled:
        bar.close()
        print("nst: cancelled (Ctrl-C); no video written", file=sys.stderr)
        return EXIT_INTERRUPTED
    bar.close()
    audio = ", audio kept" if result.audio else ""
    print(
        f"{args.input} -> {result.path} ({result.width}x{result.height}, {result.frames} frames at "
        f"{float(result.fps):.3g} fps{audio}; {result.seconds:.1f} s, {result.frames / result.seconds:.1f} frames/s)"
    )
    return 0


def run_batch(args: argparse.Namespace) -> int:
    from nst.batch import BatchStylizer, plan_batch, run_local, run_on_ray, summary
    from nst.runtime.progress import Progress

    if not 1 <= args.quality <= 100:
        raise UsageError("--quality must be from 1 to 100")
    if args.actors < 1 or args.actor_cpus < 1:
        raise UsageError("--actors and --actor-cpus must be 1 or more")
    if args.ray:
        require("ray", "nst batch --ray")
    request = request_of(args, size=args.size)
    plan = plan_batch(args.input, args.output)
    start = time.perf_counter()
    made = failed = 0
    if plan.todo:
        stylizer_args = {"request": request, "quality": args.quality}
        bar = ProgressBar("batch")
        with contextlib.ExitStack() as stack:
            if args.ray:
                from nst.runtime.cluster import ray_session

                stack.enter_context(ray_session())
                results = run_on_ray(plan, stylizer_args, args.actors, args.actor_cpus)
            else:
                results = run_local(plan, BatchStylizer(**stylizer_args))
            begun = time.perf_counter()  # the models are loaded: the rate counts pictures only
            for index, (_, error) in enumerate(results, start=1):
                if error is None:
                    made += 1
                else:
                    failed += 1
                    bar.close()
                    print(f"nst: skipped {error}", file=sys.stderr)
                bar(Progress(index, len(plan.todo), "picture", time.perf_counter() - begun))
        bar.close()
    print(summary(made, failed, plan.done, time.perf_counter() - start, plan.ignored))
    return EXIT_USAGE if failed else 0


def run_sheet(args: argparse.Namespace) -> int:
    images.output_format(args.output)
    start = time.perf_counter()
    sheet = api.preset_sheet(images.load_image(args.content, name=Path(args.content).name), size=args.size)
    images.save(sheet, args.output)
    print(f"{args.content} -> {args.output} ({len(api.builtin_styles())} styles, {time.perf_counter() - start:.1f} s)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    for path in api.export_models(args.output, args.engine, args.format, float16=args.float16):
        print(f"{path} ({path.stat().st_size / 2**20:.2f} MiB)")
    print(f"exported {args.engine} as {args.format} in {time.perf_counter() - start:.1f} s")
    return 0


def check_port(host: str, port: int) -> None:
    """A one-line error now rather than a server that starts, logs and exits."""
    import socket

    if not 0 < port < 65536:
        raise UsageError(f"--port must be from 1 to 65535, got {port}")
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def run_serve(args: argparse.Namespace) -> int:
    if args.queue < 0:
        raise UsageError(f"--queue must be 0 or more, got {args.queue}")
    if not args.ray and (args.replicas is not None or args.autoscale is not None):
        raise UsageError("--replicas and --autoscale go with --ray")
    if args.replicas is not None and args.replicas < 1:
        raise UsageError(f"--replicas must be 1 or more, got {args.replicas}")
    if not args.replica_cpus > 0:
        raise UsageError(f"--replica-cpus must be more than 0, got {args.replica_cpus}")
    require("serve", "nst serve")
    if args.ray:
        require("ray", "nst serve --ray")
    check_port(args.host, args.port)
    if args.ray:
        from nst.service.cluster import parse_autoscale, serve_on_ray

        if args.autoscale is not None:
            parse_autoscale(args.autoscale)  # a bad range is one line before Ray starts
        scaling = {"autoscale": args.autoscale} if args.autoscale else {"replicas": args.replicas or 1}
        serve_on_ray(args.host, args.port, {**scaling, "replica_cpus": args.replica_cpus, "queue": args.queue})
        return 0
    from nst.service.http import serve

    serve(args.host, args.port, queue=args.queue)
    return 0


def run(argv: list[str]) -> int:
    from nst.config import config

    config()  # a bad NST_* variable is one line now, not a surprise later
    argv = with_command(argv)
    if argv[:1] == ["train"]:  # its own parser, with its own --help
        from nst.training.train import main as train

        return train(argv[1:], prog="nst train")
    args = build_parser().parse_args(argv)
    if args.command is None:
        raise UsageError(f"the following arguments are required: COMMAND ({', '.join(COMMANDS)}) or PHOTO")
    runs: dict[str, Callable[[argparse.Namespace], int]] = {
        "stylize": run_stylize, "video": run_video, "batch": run_batch, "sheet": run_sheet,
    }  # fmt: skip
    runs |= {"export": run_export, "serve": run_serve, "style": lambda a: run_style(a, StopOnInterrupt())}
    return runs[args.command](args)


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (UsageError, NSTError) as exc:
        print(f"nst: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nst: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # disk full, permission denied while writing the result
        print(f"nst: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USAGE
