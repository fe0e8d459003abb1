"""Tiled inference: tiles cover the picture once, stitch without seams, and statistics from a
downscaled pass stay close to the full pass."""

from __future__ import annotations

import numpy as np
import pytest

import nst
from nst.engines.contract import Settings
from nst.io.images import to_array
from nst.nets.tiling import Tiling, tiles
from tests.helpers.pictures import landscape


def test_tiles_cover_the_image_once_on_a_grid_of_4():
    covered = np.zeros((1000, 1500), np.int32)
    for rows, cols, inner_rows, inner_cols in tiles(1000, 1500, tile=256, margin=64):
        assert rows.start % 4 == 0 and cols.start % 4 == 0
        covered[rows, cols][inner_rows, inner_cols] += 1
    assert (covered == 1).all()


def tiled_twin(name: str, tiling: Tiling):
    """A second instance of a registered engine, built with its own tiling."""
    return type(nst.get_engine(name))(tiling=tiling)


@pytest.mark.parametrize("name,style", [("magenta", "image"), ("preset", 19)])
def test_tiles_stitch_without_seams(name, style, style_image):
    """With statistics from the full-size picture, 256 px tiles (the product's 64 px margin) give the
    one-pass picture, tile joints included."""
    one_pass = nst.get_engine(name)
    prepared = one_pass.prepare([style_image] if style == "image" else [style], np.ones(1, np.float32))
    pixels = to_array(landscape(700, 520))
    whole = one_pass.render(pixels, prepared, Settings())
    exact = tiled_twin(name, Tiling(full_pass_pixels=1000, tile=256, stats_pixels=10**8))
    reports = []
    stitched = exact.render(pixels, prepared, Settings(), progress=reports.append)
    assert len(reports) == 9  # 3 x 3 tiles
    gap = np.abs(stitched - whole)
    # float32: identical; bfloat16: oneDNN rounds differently per tensor size and graph, never a visible edge
    assert gap.mean() < 1e-3 and gap.max() < 0.02
    for joint in (255, 511):
        assert gap[:, joint : joint + 2].max() < 0.02 and gap[joint : joint + 2].max() < 0.02


def test_new_sizes_do_not_retrace(magenta, style_image):
    """Shape-relaxed graphs: many image sizes share one trace (no per-size graph or memory growth)."""
    style = magenta.prepare([style_image], np.ones(1, np.float32))
    before = magenta.runner.traces()  # what earlier tests traced
    for width, height in [(96, 64), (100, 75), (128, 128), (250, 120), (64, 300), (333, 222), (180, 181)]:
        magenta.render(to_array(landscape(width, height)), style, Settings())
    assert magenta.runner.traces() - before <= 2
