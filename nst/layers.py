"""Keras layers shared by our feed-forward stylization networks."""

from __future__ import annotations

import keras
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


class Moments(layers.Layer):
    """Per-image, per-channel mean and variance over all positions: (batch, channels) each."""

    def call(self, x):
        return ops.moments(ops.cast(x, "float32"), axes=[1, 2])


class ConditionalInstanceNorm(layers.Layer):
    """Instance norm with the statistics and the per-channel scale and shift given as inputs.

    The statistics are usually the input's own (``Moments``); tiled inference passes the whole
    image's instead, so every tile is normalized alike and no seams appear.
    """

    def call(self, x, gamma, beta, mean, var):
        scale = ops.rsqrt(var + EPSILON) * gamma
        shift = beta - mean * scale
        return x * ops.cast(scale[:, None, None, :], x.dtype) + ops.cast(shift[:, None, None, :], x.dtype)


class NormPlan:
    """Where each conditional instance norm gets its statistics, for one model being built.

    ``measure``: from its own input (ordinary inference). ``report``: the same, and the model
    outputs every norm's statistics. ``given``: from extra model inputs (tiled inference).
    """

    def __init__(self, mode: str = "measure"):
        if mode not in ("measure", "report", "given"):
            raise ValueError(f"unknown norm plan {mode!r}")
        self.mode = mode
        self.stat_inputs: list = []
        self.stat_outputs: list = []

    def __call__(self, x, gamma, beta, name: str):
        if self.mode == "given":
            channels = x.shape[-1]
            mean = keras.Input((channels,), name=f"{name}_mean")
            var = keras.Input((channels,), name=f"{name}_var")
            self.stat_inputs += [mean, var]
        else:
            mean, var = Moments(name=f"{name}_moments")(x)
            if self.mode == "report":
                self.stat_outputs += [mean, var]
        return ConditionalInstanceNorm(name=name)(x, gamma, beta, mean, var)

    def model(self, inputs: list, output, name: str) -> keras.Model:
        if self.mode == "report":
            return keras.Model(inputs, self.stat_outputs, name=f"{name}_stats")
        return keras.Model(inputs + self.stat_inputs, output, name=name)


class NearestUpsample(layers.Layer):
    """2x nearest-neighbour upsampling as one resize op (Keras' UpSampling2D loses the channel
    count when converted to TFLite, which then cannot lower the next convolution)."""

    def call(self, x):
        import tensorflow as tf

        return tf.image.resize(x, tf.shape(x)[1:3] * 2, method="nearest")

    def compute_output_shape(self, shape):
        return (shape[0], *(None if s is None else 2 * s for s in shape[1:3]), shape[3])
