"""Camera and video frames (uint8 HxWx3) to the engines' float pixels and back."""

from __future__ import annotations

import numpy as np


def to_pixels(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 ``frame`` as float [0, 1] at ``size`` (width, height): resized while still uint8,
    with an area filter down and cubic up, because that is a quarter of the memory traffic."""
    import cv2

    if frame.shape[1::-1] != tuple(size):
        shrink = size[0] < frame.shape[1]
        frame = cv2.resize(frame, tuple(size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return frame.astype(np.float32) * (1.0 / 255.0)


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Float pixels in [0, 1] (clipped) to rounded uint8."""
    return (np.clip(pixels, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
