"""The ``preset`` engine: 26 built-in styles, one feed-forward pass at any resolution."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from nst.images import from_array, to_array
from nst.presets import NUM_PRESETS, label
from nst.tf_runtime import default_precision, import_tensorflow


class PresetEngine:
    """Thread-safe wrapper of the Keras 26-style transformer."""

    name = "preset"

    def __init__(self, precision: str | None = None) -> None:
        import_tensorflow()
        from nst.preset_net import build_preset_transformer, read_weights
        from nst.tiling import TiledRunner

        self.precision = precision or default_precision()
        weights = read_weights()
        self._runner = TiledRunner(lambda norms: build_preset_transformer(self.precision, norms, weights))

    def transform(self, content: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Float NxHxWx3 images and Nx26 style weights to stylized images (a huge single image in tiles)."""
        if len(content) == 1:
            return self._runner(content[0], weights)[None]
        return self._runner.batch(content, weights)

    def stylize(self, content: Image.Image, styles: list[np.ndarray], weights: np.ndarray, strength: float):
        """``styles`` are 26-long weight vectors (one per blend entry), mixed by ``weights``."""
        mix = sum(w * s for w, s in zip(weights, styles, strict=True))
        pixels = to_array(content)
        out = self.transform(pixels[None], np.asarray(mix, np.float32)[None])[0]
        return out if strength >= 1.0 else strength * out + (1.0 - strength) * pixels

    def render_all(self, content: Image.Image) -> list[Image.Image]:
        """All 26 styles on one (small) image, in one batched pass."""
        pixels = np.repeat(to_array(content)[None], NUM_PRESETS, axis=0)
        out = self.transform(pixels, np.eye(NUM_PRESETS, dtype=np.float32))
        return [from_array(o) for o in out]

    def contact_sheet(self, content: Image.Image, columns: int = 7) -> Image.Image:
        """The original and all 26 styles in a labelled grid, to choose from."""
        tiles = [("original", content)] + [(label(i), im) for i, im in enumerate(self.render_all(content))]
        tw, th = content.size
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
