"""Make the README figure from our own example pictures: photo | painting | result | keep colours.

python benchmarks/readme_figure.py assets/readme_example.jpg
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nst  # noqa: E402
from nst.examples import example_painting, example_photo  # noqa: E402


def main(out: str) -> None:
    photo, painting = example_photo(), example_painting()
    result = nst.stylize(photo, painting, size=768)
    colours = nst.stylize(photo, painting, size=768, preserve_color=True)
    height = 300
    tiles = [("photo", photo), ("style", painting), ("magenta engine", result), ("keep original colours", colours)]
    tiles = [(name, im.resize((round(im.width * height / im.height), height), Image.LANCZOS)) for name, im in tiles]
    gap, label = 8, 22
    sheet = Image.new(
        "RGB", (sum(t.width for _, t in tiles) + gap * (len(tiles) + 1), height + label + 2 * gap), "white"
    )
    draw = ImageDraw.Draw(sheet)
    x = gap
    for name, tile in tiles:
        sheet.paste(tile, (x, gap + label))
        draw.text((x + 2, gap + 4), name, fill=(40, 40, 40))
        x += tile.width + gap
    nst.save(sheet, out, quality=88)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/readme_example.jpg")
