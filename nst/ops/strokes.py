"""Brush size that keeps its look at any output size.

A feed-forward network paints strokes of a fixed size in pixels, so a 4096 px result looks
almost like the photo. So the picture is painted at a working size (the strokes' scale), and
carried to the output size with the full-size result's fine detail: the output is the
full-size result with its coarse bands replaced by the working-size result's, a two-level
Laplacian pyramid (Burt & Adelson 1983) whose levels come from two renders.
"""

from __future__ import annotations

import numpy as np

REFERENCE_SIDE = 1024  # brush size 1 paints as a result of this long side does
MIN_STROKE_SCALE, MAX_STROKE_SCALE = 0.25, 4.0
MIN_FACTOR = 1.05  # a working size within 5% of the output is not worth a second render
BACK_PROJECTIONS = 2  # corrections after the first: seen at the working size, the result is the coarse render


def stroke_factor(side: int, stroke_scale: float) -> float:
    """How much smaller than the output (long side ``side``) the strokes' working size is: 1 means
    paint at the output size. Brush size 1 paints as at ``REFERENCE_SIDE``, 2 strokes twice
    as large; a result never is painted larger than itself, so small outputs paint directly."""
    factor = side * stroke_scale / REFERENCE_SIDE
    return factor if factor >= MIN_FACTOR else 1.0


def working_size(height: int, width: int, factor: float) -> tuple[int, int]:
    """(height, width) of the working picture: the output's divided by ``factor``, at least 16 px."""
    return max(16, round(height / factor)), max(16, round(width / factor))


def resize(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Float HxWxC pixels resized: area averaging down (no aliasing), bicubic up."""
    import cv2

    if pixels.shape[:2] == (height, width):
        return pixels
    shrink = height * width < pixels.shape[0] * pixels.shape[1]
    method = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(pixels, np.float32), (width, height), interpolation=method)


def carry_detail(coarse: np.ndarray, fine: np.ndarray, rounds: int = BACK_PROJECTIONS) -> np.ndarray:
    """The full-size render ``fine`` with its bands below the working size replaced by the
    working-size render ``coarse``'s: fine + up(coarse - down(fine)), then ``rounds`` more
    corrections by what still differs when seen at the working size (iterative back-projection,
    Irani & Peleg 1991: up then down is a blur, not the identity), clipped to [0, 1]."""
    height, width = fine.shape[:2]
    out = fine
    for _ in range(1 + rounds):
        out = out + resize(coarse - resize(out, *coarse.shape[:2]), height, width)
    return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)
