"""The VGG-19 relu3_1 encoder and the metric's losses, on a weights file this test writes.

The real ImageNet weights come by path (../shared in development) and never ship; this
checks the layout, shapes and loss definitions with random weights in the same format.
"""

from __future__ import annotations

import numpy as np
import pytest

import nst
from nst.nets.vgg import build_vgg_encoder, content_loss, style_loss


@pytest.fixture(scope="module")
def encoder(vgg_npz):
    return build_vgg_encoder(vgg_npz)


def test_layers_and_resolutions(encoder):
    relu1, relu2, relu3 = encoder(np.random.default_rng(1).random((1, 64, 48, 3), np.float32))
    assert relu1.shape == (1, 64, 48, 64) and relu2.shape == (1, 32, 24, 128) and relu3.shape == (1, 16, 12, 256)
    assert float(np.min(relu3)) >= 0  # after the ReLU


def test_losses_are_zero_for_the_same_image_and_grow_with_change(encoder):
    image = np.random.default_rng(2).random((1, 64, 64, 3), np.float32)
    other = np.clip(image * 0.5 + 0.4, 0, 1)
    f_image, f_other = encoder(image), encoder(other)
    assert float(style_loss(f_image, f_image)) == pytest.approx(0.0, abs=1e-6)
    assert float(content_loss(f_image[2], f_image[2])) == pytest.approx(0.0, abs=1e-6)
    assert float(style_loss(f_image, f_other)) > 1e-3 and float(content_loss(f_image[2], f_other[2])) > 1e-3


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(nst.OptionError, match="not found"):
        build_vgg_encoder(tmp_path / "nope.npz")
