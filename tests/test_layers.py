"""Shared layers: reflection padding and nearest upsampling equal their textbook definitions."""

from __future__ import annotations

import numpy as np
import pytest

from nst.layers import NearestUpsample, ReflectionPad
from nst.tf_runtime import import_tensorflow


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
