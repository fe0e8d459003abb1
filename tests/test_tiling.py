"""Tiled inference: seamless stitching, and statistics from a downscaled pass close to the full pass."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import landscape

from nst.io.images import pad_to_multiple, to_array
from nst.nets.tiling import MARGIN, tiled_apply, tiles


def test_tiles_cover_the_image_once_on_a_grid_of_4():
    covered = np.zeros((1000, 1500), np.int32)
    for rows, cols, inner_rows, inner_cols in tiles(1000, 1500, tile=256, margin=64):
        assert rows.start % 4 == 0 and cols.start % 4 == 0
        covered[rows, cols][inner_rows, inner_cols] += 1
    assert (covered == 1).all()


@pytest.mark.parametrize("engine_name", ["magenta", "preset"])
def test_tiles_stitch_without_seams(engine_name, style_image):
    import nst

    engine = nst.get_engine(engine_name)
    runner = engine._runner
    condition = (
        engine.style_vector(style_image)[None] if engine_name == "magenta" else np.eye(26, dtype=np.float32)[[19]]
    )
    pixels = to_array(landscape(700, 520))
    stats = runner._call("report", [pad_to_multiple(pixels)[None], condition])

    def given(tile):
        h, w = tile.shape[:2]
        return runner._call("given", [pad_to_multiple(tile)[None], condition, *stats])[0, :h, :w]

    whole = given(pixels)
    stitched = tiled_apply(pixels, given, tile=256, margin=MARGIN)  # the margin the product uses
    gap = np.abs(stitched - whole)
    # float32: identical; bfloat16: oneDNN rounds differently per tensor size, never a visible edge
    assert gap.mean() < 2e-4 and gap.max() < 0.02
    measured = runner.batch(pixels[None], condition)[0]
    assert np.abs(whole - measured).mean() < 1e-3  # own statistics given back: same as a plain pass


def test_new_sizes_do_not_retrace(magenta, style_image):
    """Shape-relaxed graphs: many image sizes share one trace (no per-size graph or memory growth)."""
    vector = magenta.style_vector(style_image)
    for width, height in [(96, 64), (100, 75), (128, 128), (250, 120), (64, 300), (333, 222), (180, 181)]:
        magenta.transform(to_array(landscape(width, height)), vector)
    assert magenta._runner._functions["measure"].experimental_get_tracing_count() <= 3
