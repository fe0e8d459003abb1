"""Labelled picture grids for the README figures (one row of tiles per example)."""

from __future__ import annotations

from PIL import Image, ImageDraw


def grid(rows: list[list[tuple[str, Image.Image]]], height: int = 300, gap: int = 8, label: int = 22) -> Image.Image:
    """Rows of (caption, picture), every picture scaled to ``height``; captions above each."""
    scaled = [[(name, im.resize((round(im.width * height / im.height), height), Image.LANCZOS)) for name, im in row]
              for row in rows]  # fmt: skip
    width = max(sum(t.width for _, t in row) + gap * (len(row) + 1) for row in scaled)
    sheet = Image.new("RGB", (width, len(rows) * (height + label + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    y = gap
    for row in scaled:
        x = gap
        for name, tile in row:
            sheet.paste(tile, (x, y + label))
            draw.text((x + 2, y + 4), name, fill=(40, 40, 40))
            x += tile.width + gap
        y += height + label + gap
    return sheet
