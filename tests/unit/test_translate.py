"""Moving a picture by a fraction of a pixel (the video's steady canvas) without blurring it."""

from __future__ import annotations

import numpy as np

from nst.ops.flow import affine, translate
from tests.helpers.pictures import landscape


def picture() -> np.ndarray:
    return np.asarray(landscape(160, 120), np.float32) / 255.0  # sharp edges and per-pixel grain


def moved(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


def finest(image: np.ndarray) -> float:
    """Energy of what changes from one pixel to the next: the grain a blur takes first."""
    return float(np.square(np.diff(image, axis=1)).mean() + np.square(np.diff(image, axis=0)).mean())


def test_a_whole_pixel_move_is_exact_and_mirrors_where_nothing_lands():
    image = picture()
    out = translate(image, (3, -2), (170, 126))
    assert out.shape == (126, 170, 3) and out.dtype == np.float32
    assert np.array_equal(out[:118, 3:163], image[2:, :160])
    assert np.array_equal(out[:118, 2], image[2:, 0])  # mirrored, as affine() does
    assert np.array_equal(out, affine(image, moved(3, -2), (170, 126)))


def test_a_fractional_move_lands_where_affine_puts_it():
    smooth = np.asarray(landscape(160, 120).resize((40, 30)).resize((160, 120)), np.float32) / 255.0
    for dx, dy in [(2.3, -1.6), (-7.5, 4.25), (0.5, 0.5)]:
        sinc, cubic = translate(smooth, (dx, dy), (180, 130)), affine(smooth, moved(dx, dy), (180, 130))
        assert np.abs(sinc - cubic)[16:-16, 16:-16].mean() < 0.002, (dx, dy)


def test_half_a_pixel_there_and_back_keeps_the_grain():
    image = picture()
    inner = (slice(12, -12), slice(12, -12))
    there = translate(image, (10.5, 8.5), (181, 137))
    back = translate(there, (-10.5, -8.5), (160, 120))
    carried = affine(affine(image, moved(10.5, 8.5), (181, 137)), moved(10.5, 8.5), (160, 120), inverse=True)
    # white grain is all at the finest scale, where even an ideal half-pixel move loses some;
    # a bicubic resample there and back kept 53 % of it
    assert finest(back[inner]) > 0.75 * finest(image[inner])
    assert finest(carried[inner]) > 0.62 * finest(image[inner])
    assert np.abs(back - image)[inner].mean() < 0.8 * np.abs(carried - image)[inner].mean()
