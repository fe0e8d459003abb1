"""Contact sheets: pictures in a labelled grid, to compare and choose from."""

from __future__ import annotations

from PIL import Image, ImageDraw


def labelled_grid(tiles: list[tuple[str, Image.Image]], columns: int = 7) -> Image.Image:
    """Equal-size pictures with a label above each, ``columns`` to a row, on white."""
    tw, th = tiles[0][1].size
    pad, text = 8, 18
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * (tw + pad) + pad, rows * (th + text + pad) + pad), "white")
    draw = ImageDraw.Draw(sheet)
    for n, (name, tile) in enumerate(tiles):
        r, c = divmod(n, columns)
        x, y = pad + c * (tw + pad), pad + r * (th + text + pad)
        draw.text((x + 2, y + 3), name, fill=(30, 30, 30))
        sheet.paste(tile, (x, y + text))
    return sheet
