"""The README's regional-styles figure from our own example pictures: photo | mask | the two
styles' pictures pasted by the mask | ours, and a zoom on the border of the last two.

python -m benchmarks.regions_figure assets/regions.jpg
"""

from __future__ import annotations

import sys

import numpy as np
from PIL import Image, ImageDraw

import nst
from benchmarks.figures import grid
from nst.io.examples import example_photo
from nst.ops.masks import DEFAULT_FEATHER, feathered

INSIDE, OUTSIDE = 7, 24  # built-in styles: a fiery sky above, Delft tiles below


def main(out: str) -> None:
    photo = example_photo()
    width, height = photo.size
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).polygon([(0, 0), (width, 0), (width, height * 0.52), (0, height * 0.6)], fill=255)
    ours = nst.stylize(photo, preset=f"{INSIDE},{OUTSIDE}", mask=mask, size=width)
    inside, outside = (nst.stylize(photo, preset=p, size=width) for p in (INSIDE, OUTSIDE))
    soft = feathered(np.asarray(mask, np.float32) / 255.0, DEFAULT_FEATHER)[..., None]  # the same soft border
    pasted = Image.fromarray(
        (np.asarray(inside, np.float32) * soft + np.asarray(outside, np.float32) * (1 - soft)).astype(np.uint8)
    )
    zoom = (width // 4, int(height * 0.4), width // 4 + width // 4, int(height * 0.4) + height // 4)
    tiles = [
        [
            ("photo", photo),
            (f"mask (white: style {INSIDE})", mask.convert("RGB")),
            ("pasted pixels", pasted),
            ("ours", ours),
        ],
        [
            ("pasted pixels, border 4x", pasted.crop(zoom).resize(photo.size, Image.NEAREST)),
            ("ours, border 4x", ours.crop(zoom).resize(photo.size, Image.NEAREST)),
        ],
    ]
    nst.save(grid(tiles), out, quality=88)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/regions.jpg")
