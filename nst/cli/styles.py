"""``nst style learn|list|add|remove``: the user's own fast styles (issue 23)."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from nst import api
from nst.cli.progress import ProgressBar
from nst.errors import OptionError
from nst.io import images
from nst.io.files import write_atomic
from nst.styles.learned import check_name
from nst.training.own_style import LearnSettings


def add_style_commands(commands, parser_class) -> None:
    style = commands.add_parser("style", help="learn your own fast styles from paintings; list, add, remove them")
    actions = style.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    learn = actions.add_parser(
        "learn", help="learn a fast style from a painting (minutes), then use it as --preset NAME",
    )  # fmt: skip
    learn.add_argument("painting", help="the painting (any photo format)")
    learn.add_argument("--name", required=True, help="the style's name (letters, digits, spaces, - or _)")
    source = learn.add_mutually_exclusive_group(required=True)
    source.add_argument("--photos", help="a folder of photos to learn it on (your own kind of pictures)")
    source.add_argument("--video", help="a video whose frames to learn it on")
    source.add_argument("--photo", action="append", help="a photo to learn it on (repeat for more)")
    learn.add_argument("--steps", type=int, default=LearnSettings.steps, help=f"default {LearnSettings.steps}")
    learn.add_argument(
        "--size", type=int, default=LearnSettings.size, help=f"crop size in px (default {LearnSettings.size})"
    )
    learn.add_argument(
        "--vgg", help="VGG-19 relu3_1 .npz for the losses (default: VGG-19 if available, else MobileNetV2)"
    )
    learn.add_argument("-o", "--output", help="write the style file here instead of adding it to your library")
    learn.add_argument("--replace", action="store_true", help="replace a learned style of the same name")
    actions.add_parser("list", help="your learned styles")
    add = actions.add_parser("add", help="add a style file (.nststyle) to your library")
    add.add_argument("file")
    add.add_argument("--replace", action="store_true", help="replace a learned style of the same name")
    remove = actions.add_parser("remove", help="remove a learned style from your library")
    remove.add_argument("name")


@contextlib.contextmanager
def replace_named() -> Iterator[None]:
    """A name already in the library: the command line's way to replace it, in the same line."""
    from nst.styles.library import StyleExists

    try:
        yield
    except StyleExists as exc:
        raise StyleExists(f"{exc}, or add --replace to replace it") from None


def photo_files(folder: str) -> list[Path]:
    path = Path(folder)
    if not path.is_dir():
        raise OptionError(f"--photos {folder}: not a folder")
    files = sorted(p for p in path.rglob("*") if p.suffix.lower().lstrip(".") in images.INPUT_SUFFIXES and p.is_file())
    if not files:
        raise OptionError(f"--photos {folder}: no photos in it")
    return files


def run_style(args: argparse.Namespace, stop) -> int:
    from nst.styles.library import StyleLibrary

    library = StyleLibrary()
    if args.action is None:
        raise OptionError("nst style needs an action: learn, list, add or remove")
    if args.action == "list":
        for style in library.styles():
            learned = style.settings
            print(f"{style.name}  ({learned.get('steps_done', '?')} steps, {learned.get('loss_network', '?')})")
        for problem in library.damaged():
            print(f"nst: skipped {problem}", file=sys.stderr)
        if not library.names():
            print(f"no learned styles yet in {library.folder} (nst style learn PAINTING --name NAME --photos DIR)")
        return 0
    if args.action == "add":
        with replace_named():
            style = api.add_style(Path(args.file).read_bytes(), source=Path(args.file).name, replace=args.replace)
        print(f"added {style.name!r}; use it with --preset {style.name!r}")
        return 0
    if args.action == "remove":
        name = library.get(args.name).name if library.path(args.name).is_file() else args.name
        library.remove(args.name)
        print(f"removed {name!r}")
        return 0
    check_name(args.name)
    if args.output and not Path(args.output).parent.exists():
        raise OptionError(f"output folder {Path(args.output).parent} does not exist")
    photos = photo_files(args.photos) if args.photos else args.photo
    bar = ProgressBar(f"learning {args.name!r}")
    start = time.perf_counter()
    try:
        with replace_named():
            style = api.learn_style(
                args.painting, photos, name=args.name, video=args.video, steps=args.steps, size=args.size,
                vgg=args.vgg, progress=bar, cancel=stop.token, save=args.output is None, replace=args.replace,
            )  # fmt: skip
    finally:
        bar.close()
    if stop.token.cancelled:
        print("nst: stopped early (Ctrl-C); kept the best style so far", file=sys.stderr)
    if style.settings.get("warning"):
        print(f"nst: warning: {style.settings['warning']}", file=sys.stderr)
    if args.output:
        write_atomic(args.output, style.to_bytes())
        where = args.output
    else:
        where = f"your library ({library.folder})"
    minutes = (time.perf_counter() - start) / 60
    print(f"learned {style.name!r} in {minutes:.1f} min -> {where}; use it with --preset {style.name!r}")
    return 0
