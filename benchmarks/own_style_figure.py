"""The README's own-styles figure from our own example pictures: the painting, magenta on the
photo, and the style learned from the painting (on that photo, as the app does) on the same photo.

python -m benchmarks.own_style_figure assets/own_style.jpg
"""

from __future__ import annotations

import sys

import nst
from benchmarks.figures import grid
from nst.io.examples import example_painting, example_photo


def main(out: str) -> None:
    photo, painting = example_photo(), example_painting()
    learned = nst.learn_style(painting, [photo], name="Example")
    side = photo.width
    tiles = [
        [
            ("painting", painting),
            ("magenta", nst.stylize(photo, painting, engine="magenta", size=side)),
            (f"learned in {learned.settings['seconds'] / 60:.1f} min", nst.stylize(photo, preset=learned, size=side)),
        ]
    ]
    nst.save(grid(tiles), out, quality=88)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/own_style.jpg")
