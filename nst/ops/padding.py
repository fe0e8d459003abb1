"""Mirror padding of image batches: the one rule for every border our networks see."""

from __future__ import annotations


def mirror_pad(images, border: int = 0, multiple: int = 1):
    """NHWC images mirrored by ``border`` px on every side, then on the bottom and right up to
    sides that divide ``multiple`` (strided networks round-trip exactly). The edge pixel is not
    repeated (numpy's ``reflect``). Tensor ops: works eagerly on arrays and inside exported graphs."""
    import tensorflow as tf

    shape = tf.shape(images)
    height, width = shape[1] + 2 * border, shape[2] + 2 * border
    extra_h, extra_w = -height % multiple, -width % multiple
    padded = tf.pad(images, [[0, 0], [border, border + extra_h], [border, border + extra_w], [0, 0]], "REFLECT")
    return tf.reshape(padded, [-1, height + extra_h, width + extra_w, images.shape[-1]])  # static channels (TFLite)
