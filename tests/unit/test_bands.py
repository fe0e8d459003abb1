"""Band contrast matching (nst.ops.bands): exact when nothing changes, moves contrast toward the target."""

from __future__ import annotations

import numpy as np

from nst.io.images import to_array
from nst.ops.bands import GAIN_RANGE, LEVELS, band_contrast, contrast_change, downsample, match_band_contrast
from tests.helpers.pictures import landscape, painting


def test_an_image_matched_to_its_own_contrast_or_at_strength_0_is_unchanged():
    pixels = to_array(landscape(161, 97))[None]  # odd sides
    own = band_contrast(pixels)
    assert np.asarray(own).shape == (LEVELS, 3) and np.all(np.asarray(own) > 0)
    np.testing.assert_allclose(np.asarray(match_band_contrast(pixels, own)), pixels, atol=1e-5)
    other = band_contrast(to_array(painting(3))[None])
    np.testing.assert_allclose(np.asarray(match_band_contrast(pixels, other, alpha=0.0)), pixels, atol=1e-5)


def test_matching_moves_each_band_toward_the_target_within_the_gain_range():
    pixels = to_array(landscape(256, 192))[None]
    own = np.asarray(band_contrast(pixels))
    for band, gain in ((0, 1.6), (1, 0.6), (2, 1.6)):  # sharper at 1/2; calmer at 1/4; bolder at 1/8
        target = own.copy()
        target[band] *= gain
        after = np.asarray(band_contrast(match_band_contrast(pixels, target)))
        # the band moves most of the way; box-down and bilinear-up bands leak into each other a
        # little, so the other band moves too and one step falls short
        moved = np.abs(after[band] - own[band]) / np.abs(target[band] - own[band])
        assert np.all(moved > 0.3), (band, own, after)
        assert np.all(np.sign(after[band] - own[band]) == np.sign(gain - 1.0))
    far = match_band_contrast(pixels, own * 100.0)  # gains stop at the range's top
    change, _ = contrast_change(downsample(pixels), [own * 100.0])
    assert np.asarray(far).min() >= 0 and np.asarray(far).max() <= 1
    assert np.abs(np.asarray(change)).max() > 0
    reached = np.asarray(band_contrast(far)) / own  # amplified, but never past the top gain (clipping takes some)
    assert np.all(reached <= 1.1 * GAIN_RANGE[1]) and np.all(reached > 1.3)
