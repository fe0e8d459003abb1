"""Side-by-side sheet: photo | style | magenta | adain | adain with the photo's colours.

    python -m benchmarks.adain_sheet -o assets/adain_sheet.jpg          # our own drawn pictures (README)
    python -m benchmarks.adain_sheet --data ../shared/data --pairs 8 -o artifacts/adain_validation.jpg

With ``--data``, the pairs are the quality benchmark's validation pairs; that sheet is for
looking at, never for committing (the data must not enter the project).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nst
from benchmarks.figures import grid
from nst.io.examples import example_painting, example_photo
from nst.io.images import fit

SIDE = 512


def drawn_pairs() -> list[tuple]:
    """Photos and styles our own code makes: the example painting and two built-in style renderings."""
    photo = example_photo()
    night = nst.stylize(example_photo(640, 640), preset=19, size=512)
    ink = nst.stylize(example_photo(640, 480), preset=1, size=512)
    return [(photo, example_painting()), (photo, night), (photo, ink)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="folder with content/ and styles/ (validation pairs)")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    if args.data:
        from quality import validation_pairs

        pairs = [(nst.load_image(c), nst.load_image(s)) for c, s in validation_pairs(args.data, args.pairs)]
    else:
        pairs = drawn_pairs()
    rows = []
    for content, style in pairs:
        content = fit(content, SIDE, upscale=True)
        rows.append(
            [
                ("photo", content),
                ("style", fit(style, SIDE)),
                ("magenta", nst.stylize(content, style, engine="magenta", size=SIDE)),
                ("adain (ours)", nst.stylize(content, style, engine="adain", size=SIDE)),
                ("adain, keep colours", nst.stylize(content, style, engine="adain", size=SIDE, preserve_color=True)),
            ]
        )
    nst.save(grid(rows, height=256), args.output, quality=88)
    print(args.output)


if __name__ == "__main__":
    main()
