"""The ``preset`` engine: 26 built-in styles (Dumoulin et al. 2017), one feed-forward pass at any resolution."""

from __future__ import annotations

import numpy as np
from PIL import Image

from nst.engines.contract import EngineBase, PreparedStyle, Settings, check_prepared
from nst.io.images import from_array
from nst.nets.tiling import Tiling
from nst.ops.mix import fade
from nst.runtime.progress import CancelToken, ProgressCallback
from nst.runtime.tf import default_precision, import_tensorflow

# Named by looking at each style rendered on our example photo (the wheel numbers them only).
NAMES = (
    "Golden haze", "Ink and gold", "Charcoal sketch", "Fauvist mosaic", "Crimson dusk",
    "Rust and sky", "Blue cobblestones", "Fiery night", "Pastel scribble", "Red and teal tapestry",
    "Sepia ember", "Pencil on parchment", "Misty pastel", "Electric jungle", "Frosted blue",
    "Stained glass", "Starry blues", "Brick weave", "Sandstone relief", "Night swirl",
    "Scarlet blaze", "Poster pastel", "Slate mosaic", "Dusky photo", "Delft tile", "Woven tapestry",
)  # fmt: skip


class PresetEngine(EngineBase):
    """Thread-safe wrapper of the Keras 26-style transformer; a prepared style is its 26 blend weights."""

    name = "preset"
    description = "26 built-in styles (conditional instance norm), any size, offline"
    takes = "builtin"
    builtin_styles = NAMES
    stride = 4  # two stride-2 convolutions

    @classmethod
    def learned_styles(cls) -> list[str]:
        from nst.styles.library import StyleLibrary

        return StyleLibrary().names()

    def __init__(self, precision: str | None = None, tiling: Tiling | None = None) -> None:
        import_tensorflow()
        from nst.nets.preset import build_preset_transformer, read_weights, style_codes
        from nst.nets.tiling import TiledRunner

        self.precision = precision or default_precision()
        weights = read_weights()
        self.codes = style_codes(weights[1])  # 26 x D
        self.runner = TiledRunner(lambda norms: build_preset_transformer(self.precision, norms, weights), tiling)

    def prepare(self, styles: list[int], weights: np.ndarray) -> PreparedStyle:
        code = sum(float(w) * self.code(s) for s, w in zip(styles, weights, strict=True))
        return PreparedStyle.of(self.name, code=np.asarray(code, np.float32))

    def code(self, style) -> np.ndarray:
        """A built-in style's code by number, a learned style's by name (the user's library), or
        a learned style's own (a :class:`~nst.styles.learned.LearnedStyle`)."""
        if hasattr(style, "code_for"):
            return style.code_for(self.codes.shape[1])
        if isinstance(style, str):
            from nst.styles.library import StyleLibrary

            return StyleLibrary().get(style).code_for(self.codes.shape[1])
        return self.codes[style]

    def render(
        self,
        content: np.ndarray,
        style: PreparedStyle,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """Strength fades toward the photo in pixels (the network has no style-space interpolation)."""
        check_prepared(style, self.name)
        out = self.runner(content, style["code"][None], progress, cancel)
        return out if settings.strength >= 1.0 else fade(out, content, settings.strength)

    paints_regions = True

    def render_regions(self, content, styles, masks, settings, *, progress=None, cancel=None) -> np.ndarray:
        """Each region's style code gives its norms' scales and shifts, blended per position."""
        for style in styles:
            check_prepared(style, self.name)
        weights = np.stack([s["code"] for s in styles])
        out = self.runner(content, weights[None], progress, cancel, masks=masks)
        return out if settings.strength >= 1.0 else fade(out, content, settings.strength)

    def render_builtins(self, content: np.ndarray) -> list[Image.Image]:
        """Every built-in style on one (small) picture, in one batched pass (galleries, sheets)."""
        pixels = np.repeat(content[None], len(NAMES), axis=0)
        return [from_array(o) for o in self.runner.batch(pixels, self.codes)]
