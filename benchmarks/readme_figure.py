"""Make the README figure from our own example pictures: photo | painting | result | keep colours.

python -m benchmarks.readme_figure assets/readme_example.jpg
"""

from __future__ import annotations

import sys

import nst
from benchmarks.figures import grid
from nst.io.examples import example_painting, example_photo


def main(out: str) -> None:
    photo, painting = example_photo(), example_painting()
    result = nst.stylize(photo, painting, size=768)
    colours = nst.stylize(photo, painting, size=768, preserve_color=True)
    tiles = [("photo", photo), ("style", painting), ("magenta engine", result), ("keep original colours", colours)]
    sheet = grid([tiles])
    nst.save(sheet, out, quality=88)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/readme_example.jpg")
