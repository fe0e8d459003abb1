"""Removing the decoder's period-4 grid: the grid goes, a photo stays."""

from __future__ import annotations

import numpy as np

from nst.io.images import to_array
from nst.ops.grid import remove_periodic
from tests.helpers.pictures import landscape


def test_a_period_4_grid_on_a_photo_is_removed_and_the_photo_kept():
    photo = to_array(landscape(128, 96))[None]
    rng = np.random.default_rng(0)
    tile = rng.uniform(-0.1, 0.1, (4, 4, 3)).astype(np.float32)
    tile -= tile.mean(axis=(0, 1))  # a grid, not a colour shift
    grid = np.tile(tile, (24, 32, 1))[None]
    cleaned = np.asarray(remove_periodic(photo + grid))
    assert cleaned.shape == photo.shape and cleaned.dtype == np.float32
    assert np.abs(grid).mean() > 0.04
    np.testing.assert_allclose(cleaned, np.asarray(remove_periodic(photo)), atol=1e-5)  # nothing of the grid left


def test_a_photo_without_a_grid_is_left_almost_as_it_is():
    photo = to_array(landscape(128, 96))[None]
    changed = np.abs(np.asarray(remove_periodic(photo)) - photo)
    assert changed.mean() < 0.02  # pixel values in [0, 1]; 0.008 on 1024 px validation photos


def test_a_grid_whose_strength_varies_is_removed_where_it_is():
    """The decoder draws it strongly in textured parts and faintly in flat ones."""
    flat = np.full((1, 64, 128, 3), 0.5, np.float32)
    pattern = np.tile(np.array([1, -1, 1, -1], np.float32)[None, :, None], (64, 32, 3))[None] * 0.1
    strength = np.linspace(0, 1, 128, dtype=np.float32)[None, None, :, None]
    cleaned = np.asarray(remove_periodic(flat + pattern * strength))
    assert np.abs(cleaned - flat).max() < 0.02 and np.abs(pattern * strength).max() > 0.09


def test_the_finest_detail_turns_grey_and_the_rest_keeps_its_colour():
    from nst.ops.grid import neutral_detail

    rng = np.random.default_rng(1)
    base = np.full((1, 32, 32, 3), [0.6, 0.3, 0.2], np.float32)  # a brick-red area
    speckle = rng.normal(0, 0.05, (1, 32, 32, 3)).astype(np.float32)  # coloured pixel noise
    out = np.asarray(neutral_detail(base + speckle))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), (base + speckle).mean(axis=(1, 2)), atol=0.01)
    channel_spread = (out - out.mean(axis=-1, keepdims=True)).std(axis=(1, 2))  # colour variation left
    assert (channel_spread < 0.5 * (speckle - speckle.mean(axis=-1, keepdims=True)).std(axis=(1, 2))).all()
