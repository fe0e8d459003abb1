"""Shared layers: reflection padding, nearest upsampling and their fused form equal their textbook definitions."""

from __future__ import annotations

import numpy as np
import pytest

from nst.nets.layers import FeatureModulation, NearestUpsample, ReflectionPad, UpsampleConv
from nst.runtime.tf import import_tensorflow


@pytest.mark.parametrize("pad", [1, 4])
def test_reflection_pad_equals_numpy_reflect(pad):
    x = np.random.default_rng(pad).random((2, 11, 14, 5), np.float32)
    expected = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(np.asarray(ReflectionPad(pad)(x)), expected)


def test_nearest_upsample_repeats_each_pixel_and_keeps_bfloat16():
    tf = import_tensorflow()
    x = np.random.default_rng(0).random((1, 5, 7, 3), np.float32)
    np.testing.assert_array_equal(np.asarray(NearestUpsample()(x)), x.repeat(2, axis=1).repeat(2, axis=2))
    half = tf.constant(x, tf.bfloat16)
    assert NearestUpsample()(half).dtype == tf.bfloat16 and ReflectionPad(1)(half).dtype == tf.bfloat16


@pytest.mark.parametrize("shape", [(2, 7, 5, 6), (1, 1, 3, 4)])
@pytest.mark.parametrize("padding", ["reflect", "zeros"])
def test_upsample_conv_equals_upsample_pad_conv(shape, padding):
    """Same kernel, same numbers as nearest upsampling, padding and a 3x3 convolution."""
    import keras

    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    fused = UpsampleConv(4, activation="relu", padding=padding)
    fused.build(x.shape)
    fused.bias.assign(rng.standard_normal(4).astype(np.float32))
    plain = keras.layers.Conv2D(4, 3, activation="relu", padding="same" if padding == "zeros" else "valid")
    plain.build((None, None, None, shape[-1]))
    plain.set_weights(fused.get_weights())
    upsampled = NearestUpsample()(x)
    expected = np.asarray(plain(ReflectionPad(1)(upsampled) if padding == "reflect" else upsampled))
    out = np.asarray(fused(x))
    assert out.shape == (shape[0], 2 * shape[1], 2 * shape[2], 4) and out.max() > 0
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_feature_modulation_scales_and_shifts_each_channel_per_image():
    x = np.random.default_rng(0).random((2, 4, 3, 5), np.float32)
    film = np.zeros((2, 10), np.float32)
    np.testing.assert_array_equal(np.asarray(FeatureModulation()(x, film)), x)  # zeros: unchanged
    film[1, 2], film[1, 7] = 1.0, 0.5  # image 1, channel 2: gain 1 (doubles), bias 0.5
    out = np.asarray(FeatureModulation()(x, film))
    expected = x.copy()
    expected[1, ..., 2] = 2 * x[1, ..., 2] + 0.5
    np.testing.assert_allclose(out, expected, atol=1e-6)
