"""Keras layers shared by our feed-forward stylization networks."""

from __future__ import annotations

from keras import layers, ops

EPSILON = 1e-5  # instance norm epsilon of every graph we port


class ReflectionPad(layers.Layer):
    """Mirror padding before each convolution, as the original networks use (no border seams)."""

    def __init__(self, pad: int, **kwargs):
        super().__init__(**kwargs)
        self.pad = pad

    def call(self, x):
        p = self.pad
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


class ConditionalInstanceNorm(layers.Layer):
    """Instance norm whose per-channel scale and shift are inputs (computed from the style)."""

    def call(self, x, gamma, beta):
        mean, var = ops.moments(x, axes=[1, 2], keepdims=True)
        scale = ops.rsqrt(var + EPSILON) * gamma[:, None, None, :]
        return x * scale + (beta[:, None, None, :] - mean * scale)
