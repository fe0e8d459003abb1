"""What the AdaIN decoder draws that no painting has: a period-4 pixel grid, and colour on edges.

The decoder reaches full size through two 2x nearest-upsampling steps, so each output pixel's
weights depend on its position modulo 4; trained on a style loss that rewards fine texture,
it learned to spend part of it on a regular grid (a power-spectrum peak at periods 2 and 4
px, 100-200x its surroundings, where photos and magenta show 0.2-3x). Retraining with bilinear
upsampling did not remove it (benchmarks/RESULTS-adain-artifacts.md). What is periodic with
period 4 is exactly the part that each of the 16 pixel phases has above their common local
mean, so that part is estimated in a small window and subtracted: a notch at those frequencies
only, which photos hardly have. Tensor ops only (the TFLite export computes the same).
"""

from __future__ import annotations

PERIOD = 4
WINDOW = 3  # in cells of PERIOD px: the pattern's local strength follows the texture


def remove_periodic(x, period: int = PERIOD, window: int = WINDOW):
    """NHWC ``x`` (sides a multiple of ``period``) without its locally estimated component of period ``period``."""
    import tensorflow as tf

    channels = x.shape[-1]
    phases = tf.nn.space_to_depth(x, period)  # channel (a * period + b) * channels + c: pixel (a, b) of each cell
    local = tf.nn.avg_pool2d(phases, window, 1, "SAME")  # SAME averages over the cells inside the picture
    shape = tf.shape(local)
    grouped = tf.reshape(local, (shape[0], shape[1], shape[2], period * period, channels))
    periodic = grouped - tf.reduce_mean(grouped, axis=3, keepdims=True)
    return tf.nn.depth_to_space(phases - tf.reshape(periodic, shape), period)


# How much of the finest detail's colour is kept. The decoder colours the edges it draws
# (chroma over luminance of the finest detail on the photo's strongest edges: 0.60, magenta
# 0.35, photos 0.12); grey detail scores 0.25 at a style loss 1 % higher.
DETAIL_CHROMA = 0.0


def neutral_detail(x, keep=DETAIL_CHROMA):
    """NHWC RGB ``x`` with its finest detail (``x`` minus a 5-tap binomial blur, sigma 1 px)
    turned grey but for ``keep`` of its colour: edges keep their contrast, not a colour the
    photo does not have."""
    import tensorflow as tf

    taps = tf.constant([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    kernel = tf.tile((taps[:, None] * taps[None, :])[:, :, None, None], (1, 1, 3, 1))
    padded = tf.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="SYMMETRIC")
    detail = x - tf.nn.depthwise_conv2d(padded, kernel, (1, 1, 1, 1), "VALID")
    luma = tf.reduce_sum(detail * tf.constant([0.299, 0.587, 0.114]), axis=-1, keepdims=True)
    return x - (detail - luma) * (1.0 - keep)
