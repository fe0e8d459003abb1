"""Keras layers shared by our feed-forward stylization networks."""

from __future__ import annotations

import keras
from keras import layers, ops

# EPS: the instance norm epsilon of every graph we port
from nst.ops.moments import EPS, channel_moments


class ReflectionPad(layers.Layer):
    """Mirror padding before each convolution, as the original networks use (no border seams).

    Built from slices and concatenation: the same numbers as ``MirrorPad``, which oneDNN runs
    2-3x slower (measured on bfloat16 and float32 feature maps).
    """

    def __init__(self, pad: int, **kwargs):
        kwargs.setdefault("autocast", False)  # keep bfloat16 maps bfloat16: moving numbers needs no cast
        super().__init__(**kwargs)
        self.pad = pad

    def call(self, x):
        p = self.pad
        rows = [ops.flip(x[:, 1 : p + 1], axis=1), x, ops.flip(x[:, -p - 1 : -1], axis=1)]
        x = ops.concatenate(rows, axis=1)
        cols = [ops.flip(x[:, :, 1 : p + 1], axis=2), x, ops.flip(x[:, :, -p - 1 : -1], axis=2)]
        return ops.concatenate(cols, axis=2)

    def compute_output_shape(self, shape):
        return (shape[0], *(None if s is None else s + 2 * self.pad for s in shape[1:3]), shape[3])

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


class Moments(layers.Layer):
    """Per-image, per-channel mean and variance over all positions: (batch, channels) each; with
    region ``weights``, each region's own (N x K x C each)."""

    def call(self, x, weights=None):
        return channel_moments(x, weights)


class ConditionalInstanceNorm(layers.Layer):
    """Instance norm with the statistics and the per-channel scale and shift given as inputs.

    The statistics are usually the input's own (``Moments``); tiled inference passes the whole
    image's instead, so every tile is normalized alike and no seams appear. With region
    ``weights``, each region's norm (its statistics, its style's scale and shift; all N x K x C)
    blended per position (Dumoulin et al. 2017, spatial blending).
    """

    def call(self, x, gamma, beta, mean, var, weights=None):
        scale = ops.rsqrt(var + EPS) * gamma
        shift = beta - mean * scale
        if weights is None:
            scale, shift = scale[:, None, None, :], shift[:, None, None, :]
        else:
            scale = ops.einsum("nhwk,nkc->nhwc", weights, scale)
            shift = ops.einsum("nhwk,nkc->nhwc", weights, shift)
        return x * ops.cast(scale, x.dtype) + ops.cast(shift, x.dtype)


class RegionWeights(layers.Layer):
    """Regional styles' masks (N x H x W x K, summing to 1) resized to the feature map ``x``."""

    def call(self, masks, x):
        import tensorflow as tf

        weights = tf.image.resize(masks, tf.shape(x)[1:3], method="bilinear", antialias=True)
        return weights / ops.maximum(ops.sum(weights, axis=-1, keepdims=True), 1e-6)


class NormPlan:
    """Where each conditional instance norm gets its statistics, for one model being built.

    ``measure``: from its own input (ordinary inference). ``report``: the same, and the model
    outputs every norm's statistics. ``given``: from extra model inputs (tiled inference).
    A mode ending in ``+regions`` builds the regional variant: the style input holds one row per
    region and a masks input (N x H x W x K) says where each region is; every norm then normalizes
    each region by its own statistics with its own style's scale and shift.
    """

    def __init__(self, mode: str = "measure"):
        base, _, extra = mode.partition("+")
        if base not in ("measure", "report", "given") or extra not in ("", "regions"):
            raise ValueError(f"unknown norm plan {mode!r}")
        self.mode = base
        self.masks = keras.Input((None, None, None), name="region_masks") if extra else None
        self.stat_inputs: list = []
        self.stat_outputs: list = []

    def condition(self, dim: int, name: str):
        """The style input: one row of ``dim`` numbers per image, or per region."""
        return keras.Input((None, dim) if self.masks is not None else (dim,), name=name)

    def __call__(self, x, gamma, beta, name: str):
        weights = None if self.masks is None else RegionWeights(name=f"{name}_weights")(self.masks, x)
        if self.mode == "given":
            shape = (x.shape[-1],) if weights is None else (None, x.shape[-1])
            mean = keras.Input(shape, name=f"{name}_mean")
            var = keras.Input(shape, name=f"{name}_var")
            self.stat_inputs += [mean, var]
        else:
            mean, var = Moments(name=f"{name}_moments")(x, weights)
            if self.mode == "report":
                self.stat_outputs += [mean, var]
        return ConditionalInstanceNorm(name=name)(x, gamma, beta, mean, var, weights)

    def model(self, inputs: list, output, name: str) -> keras.Model:
        inputs = inputs + ([self.masks] if self.masks is not None else [])
        if self.mode == "report":
            return keras.Model(inputs, self.stat_outputs, name=f"{name}_stats")
        return keras.Model(inputs + self.stat_inputs, output, name=name)


class FeatureModulation(layers.Layer):
    """FiLM (Perez et al. 2018): ``x * (1 + gain) + bias`` per channel, gain and bias one vector
    per image (``film``: N x 2C, gains first) or per position (N x H x W x 2C: regional
    styles); zeros leave ``x`` as it is."""

    def call(self, x, film):
        channels = ops.shape(x)[-1]
        film = ops.cast(film, x.dtype)
        if len(film.shape) == 2:
            film = film[:, None, None, :]
        return x * (1.0 + film[..., :channels]) + film[..., channels:]


class NearestUpsample(layers.Layer):
    """2x nearest-neighbour upsampling as one resize op (Keras' UpSampling2D loses the channel
    count when converted to TFLite, which then cannot lower the next convolution)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)

    def call(self, x):
        import tensorflow as tf

        return tf.image.resize(x, tf.shape(x)[1:3] * 2, method="nearest")

    def compute_output_shape(self, shape):
        return (shape[0], *(None if s is None else 2 * s for s in shape[1:3]), shape[3])


def _phase_taps():
    """taps[r, d, a] = 1 where, for output phase ``a`` of a 2x nearest upsampling, the 3x3 kernel's
    tap ``d`` (offset d - 1 at full size) reads row ``r`` of a 2-row window of the low-resolution
    map padded by 1, the window starting ``a`` rows further down for phase ``a``: each phase reads
    only two low-resolution rows, so a 2x2 kernel per phase does the 3x3 kernel's work."""
    import numpy as np

    taps = np.zeros((2, 3, 2), np.float32)
    for a in (0, 1):
        for d in (0, 1, 2):
            taps[(a + d - 1) // 2 + 1 - a, d, a] = 1.0
    return taps


def interleave_phases(y, filters: int):
    """N x (H+1) x (W+1) x (2*2*filters) -> N x 2H x 2W x filters: output pixel (2i + a, 2j + b)
    is phase (a, b)'s value at (i + a, j + b) (see :func:`_phase_taps`).

    Slices, stacks and reshapes of at most five dimensions (TFLite's limit); no
    ``depth_to_space``, which was slower on oneDNN's bfloat16 convolution outputs.
    """
    import tensorflow as tf

    shape = tf.shape(y)
    n, height, width = shape[0], shape[1] - 1, shape[2] - 1

    def phase(a: int, b: int):
        start = (2 * a + b) * filters
        return y[:, a : a + height, b : b + width, start : start + filters]

    rows = [tf.reshape(tf.stack([phase(a, 0), phase(a, 1)], axis=3), (n, height, 2 * width, filters)) for a in (0, 1)]
    return tf.reshape(tf.stack(rows, axis=2), (n, 2 * height, 2 * width, filters))


class UpsampleConv(layers.Layer):
    """2x nearest upsampling, reflection padding 1 and a 3x3 convolution, computed at low resolution.

    The same numbers as ``NearestUpsample -> ReflectionPad(1) -> Conv2D(3)`` with the same kernel
    (reflecting the upsampled map is repeating the edge of the small one; ``padding="zeros"``:
    as ``Conv2D(3, padding="same")`` after the upsampling), but the convolution
    runs before the upsampling with 4x the output channels, and :func:`interleave_phases` interleaves
    them: the large map is never upsampled, padded or read by a convolution (measured 2x faster
    for the decoder's full-size RGB layer). Weights: ``kernel`` (3, 3, in, out) and ``bias``, as
    the Conv2D it replaces.
    """

    def __init__(self, filters: int, activation=None, kernel_initializer="glorot_uniform", padding="reflect", **kwargs):
        super().__init__(**kwargs)
        if padding not in ("reflect", "zeros"):
            raise ValueError(f"unknown padding {padding!r}")
        self.filters = filters
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(3, 3, shape[-1], self.filters), initializer=self.kernel_initializer
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, x):
        import tensorflow as tf

        taps = ops.convert_to_tensor(_phase_taps(), self.kernel.dtype)
        # kernel'[r, s, c, a, b, o] = sum over d, e of taps[r, d, a] taps[s, e, b] kernel[d, e, c, o]
        phased = ops.einsum("rda,seb,deco->rscabo", taps, taps, self.kernel)
        channels, filters = self.kernel.shape[2], self.filters
        phased = ops.cast(ops.reshape(phased, (2, 2, channels, 4 * filters)), x.dtype)
        if self.padding == "zeros":
            padded = tf.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        else:
            rows = ops.concatenate([x[:, :1], x, x[:, -1:]], axis=1)
            padded = ops.concatenate([rows[:, :, :1], rows, rows[:, :, -1:]], axis=2)
        y = ops.conv(padded, phased, padding="valid")  # (H + 1) x (W + 1): phase (a, b) at offset (a, b)
        y = self.activation(tf.nn.bias_add(y, ops.cast(ops.tile(self.bias, [4]), y.dtype)))
        return interleave_phases(y, filters)

    def compute_output_shape(self, shape):
        return (shape[0], *(None if s is None else 2 * s for s in shape[1:3]), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "padding": self.padding,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
