"""``python -m nst``: stylize one photo or a batch from the shell.

Every failure the user can fix (bad image, bad option, engine unavailable) ends with exit
status 2 and exactly one line on stderr; no traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nst import images
from nst.api import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE, check_options, normalize_weights, preset_sheet, stylize
from nst.engines import DESCRIPTIONS
from nst.errors import NSTError
from nst.presets import NAMES, parse_preset

EXIT_USAGE = 2


class UsageError(Exception):
    """A command-line mistake, reported in one line."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default prints the whole usage block
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    engines = "; ".join(f"{name}: {text}" for name, text in DESCRIPTIONS.items())
    parser = OneLineParser(
        prog="python -m nst",
        description="Neural style transfer: repaint photos in the style of a painting. Also: "
        "'python -m nst sheet PHOTO' (all built-in styles), 'python -m nst export -o DIR' (TFLite models).",
        epilog=f"Engines - {engines}.",
    )
    parser.add_argument("content", nargs="+", help="content photo(s)")
    parser.add_argument("-s", "--style", action="append", help="style image; repeat to blend")
    parser.add_argument(
        "-p", "--preset", help="built-in style 0-25 or a blend like 3:0.5,12:0.5 (see: python -m nst sheet PHOTO)"
    )
    parser.add_argument("-o", "--output", help="output file (one content) or folder (several)")
    parser.add_argument(
        "--engine", choices=list(DESCRIPTIONS), help="default: magenta, or preset when --preset is given"
    )
    parser.add_argument("--strength", type=float, default=1.0, help="style strength, 0 to 1 (default 1)")
    parser.add_argument(
        "--size",
        type=int,
        default=DEFAULT_SIZE,
        help=f"long side of the result in px, {MIN_SIZE} to {MAX_SIZE} (default {DEFAULT_SIZE})",
    )
    parser.add_argument("--upscale", action="store_true", help="allow a result larger than the content")
    parser.add_argument("--preserve-color", action="store_true", help="keep the content's original colours")
    parser.add_argument("--weights", type=float, nargs="+", help="blend weight per --style, e.g. 0.7 0.3")
    parser.add_argument("--hub-handle", help="TF-Hub URL or local SavedModel folder (engine magenta-hub)")
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default 95)")
    gatys = parser.add_argument_group("engine gatys (optimization)")
    gatys.add_argument("--iterations", type=int, help="optimization steps (default 200)")
    gatys.add_argument("--optimizer", choices=["lbfgs", "adam"], help="default lbfgs")
    gatys.add_argument("--init", choices=["content", "noise"], help="start from the photo (default) or noise")
    gatys.add_argument("--content-weight", type=float)
    gatys.add_argument("--style-weight", type=float)
    gatys.add_argument("--tv-weight", type=float)
    return parser


def gatys_settings(args):
    """GatysSettings from the CLI flags, or None when none were given."""
    from dataclasses import replace

    from nst.gatys import GatysSettings

    names = ("iterations", "optimizer", "init", "content_weight", "style_weight", "tv_weight")
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if not given:
        return None
    if (args.engine or "magenta") != "gatys":
        raise UsageError("--iterations and the other optimization flags need --engine gatys")
    return replace(GatysSettings(), **given).check()


class ProgressBar:
    """Gatys progress on stderr: a redrawn bar on a terminal, a line per tenth otherwise."""

    def __init__(self, name: str):
        self.name = name
        self.tty = sys.stderr.isatty()
        self.last_tenth = -1

    def __call__(self, p) -> None:
        tenth = 10 * p.iteration // max(1, p.total)
        text = (
            f"{self.name}: {p.iteration}/{p.total} at {p.stage}, content {p.content_loss:.3f} "
            f"style {p.style_loss:.4f} ({p.seconds:.0f} s)"
        )
        if self.tty:
            filled = int(30 * p.iteration / max(1, p.total))
            print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text}", end="", file=sys.stderr, flush=True)
        elif tenth != self.last_tenth:
            print(text, file=sys.stderr, flush=True)
        self.last_tenth = tenth

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def output_paths(contents: list[str], output: str | None) -> list[Path]:
    """Where each result goes; checked before any work so a typo costs no compute."""
    if len(contents) == 1:
        path = Path(output) if output else Path(f"{Path(contents[0]).stem}_stylized.png")
        if path.is_dir():
            path = path / f"{Path(contents[0]).stem}_stylized.png"
        images.output_format(path)
        if not path.parent.exists():
            raise UsageError(f"output folder {path.parent} does not exist")
        return [path]
    folder = Path(output or ".")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {folder}: with several content images, -o must be a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return [folder / name for name in result_names(contents)]


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


def build_sheet_parser() -> argparse.ArgumentParser:
    presets = ", ".join(f"{i} {name}" for i, name in enumerate(NAMES))
    parser = OneLineParser(
        prog="python -m nst sheet",
        description="All 26 built-in styles on your photo, labelled, in one picture.",
        epilog=f"Styles: {presets}.",
    )
    parser.add_argument("content", help="content photo")
    parser.add_argument("-o", "--output", default="sheet.png", help="output file (default sheet.png)")
    parser.add_argument("--size", type=int, default=256, help="long side of each tile in px (default 256)")
    return parser


def run_sheet(argv: list[str]) -> int:
    args = build_sheet_parser().parse_args(argv)
    images.output_format(args.output)
    start = time.perf_counter()
    sheet = preset_sheet(images.load_image(args.content, name=Path(args.content).name), size=args.size)
    images.save(sheet, args.output)
    print(f"{args.content} -> {args.output} (26 styles, {time.perf_counter() - start:.1f} s)")
    return 0


class StopFlag:
    """Ctrl-C during a Gatys run asks it to stop and keep the best image so far."""

    def __init__(self):
        import signal

        self.requested = False
        try:
            signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread
            pass

    def _handle(self, *_):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __call__(self) -> bool:
        return self.requested


def build_export_parser() -> argparse.ArgumentParser:
    from nst.export import FORMATS

    parser = OneLineParser(
        prog="python -m nst export",
        description="Write an engine's models for phones and low-end devices (TFLite).",
    )
    parser.add_argument("--engine", default="adain", choices=["adain"], help="engine to export (default adain)")
    parser.add_argument("--format", default="tflite", choices=FORMATS, help="model format (default tflite)")
    parser.add_argument("--float16", action="store_true", help="store weights as float16 (half the size)")
    parser.add_argument("-o", "--output", required=True, help="folder to write the models into")
    return parser


def run_export(argv: list[str]) -> int:
    from nst.export import export

    args = build_export_parser().parse_args(argv)
    start = time.perf_counter()
    written = export(args.output, args.engine, args.format, float16=args.float16)
    for item in written:
        print(f"{item.path} ({item.bytes / 2**20:.2f} MiB)")
    print(f"exported {args.engine} as {args.format} in {time.perf_counter() - start:.1f} s")
    return 0


def run(argv: list[str]) -> int:
    if argv[:1] == ["sheet"] and not Path("sheet").exists():
        return run_sheet(argv[1:])
    if argv[:1] == ["export"] and not Path("export").exists():
        return run_export(argv[1:])
    args = build_parser().parse_args(argv)
    check_options(args.strength, args.size)
    if not args.style and args.preset is None:
        raise UsageError("give a style image (--style FILE) or a built-in style (--preset N)")
    if args.preset is not None:
        parse_preset(args.preset)
        if args.weights is not None:
            raise UsageError("--weights blends --style images; blend presets as --preset 3:0.7,12:0.3")
    if args.weights is not None:
        normalize_weights(args.weights, len(args.style or []))
    if not 1 <= args.quality <= 100:
        raise UsageError("--quality must be from 1 to 100")
    settings = gatys_settings(args)
    targets = output_paths(args.content, args.output)
    styles = [images.load_image(s, name=Path(s).name) for s in args.style or []]  # once, for every content
    failures = 0
    stop = StopFlag() if args.engine == "gatys" else None
    extra = {}
    if args.engine == "gatys":
        from nst.engines import get_engine

        print(f"nst: {get_engine('gatys').note}", file=sys.stderr)
    for index, (content, target) in enumerate(zip(args.content, targets, strict=True), start=1):
        start = time.perf_counter()
        if args.engine == "gatys":
            bar = ProgressBar(Path(content).name)
            extra = {"gatys": settings, "progress": bar, "should_stop": stop}
        try:
            result = stylize(
                images.load_image(content, name=Path(content).name),
                styles or None,
                engine=args.engine,
                strength=args.strength,
                size=args.size,
                preserve_color=args.preserve_color,
                style_weights=args.weights,
                upscale=args.upscale,
                hub_handle=args.hub_handle,
                preset=args.preset,
                **extra,
            )
            if args.engine == "gatys":
                bar.close()
            images.save(result, target, quality=args.quality)
        except NSTError as exc:
            if len(args.content) == 1:
                raise
            failures += 1
            print(f"[{index}/{len(args.content)}] {content}: error: {exc}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - start
        print(f"[{index}/{len(args.content)}] {content} -> {target} ({result.width}x{result.height}, {seconds:.1f} s)")
        if stop is not None and stop.requested:
            print("nst: stopped early (Ctrl-C); saved the best image so far", file=sys.stderr)
            return 130
    return EXIT_USAGE if failures else 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (UsageError, NSTError) as exc:
        print(f"nst: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("nst: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permission denied while writing the result
        print(f"nst: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USAGE
