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
        description="Neural style transfer: repaint photos in the style of a painting.",
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
    return parser


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
    return [folder / f"{Path(c).stem}_stylized.png" for c in contents]


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


def run(argv: list[str]) -> int:
    if argv[:1] == ["sheet"] and not Path("sheet").exists():
        return run_sheet(argv[1:])
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
    targets = output_paths(args.content, args.output)
    styles = [images.load_image(s, name=Path(s).name) for s in args.style or []]  # once, for every content
    failures = 0
    for index, (content, target) in enumerate(zip(args.content, targets, strict=True), start=1):
        start = time.perf_counter()
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
            )
            images.save(result, target, quality=args.quality)
        except NSTError as exc:
            if len(args.content) == 1:
                raise
            failures += 1
            print(f"[{index}/{len(args.content)}] {content}: error: {exc}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - start
        print(f"[{index}/{len(args.content)}] {content} -> {target} ({result.width}x{result.height}, {seconds:.1f} s)")
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
