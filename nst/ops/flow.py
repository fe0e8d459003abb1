"""Optical flow between video frames, warping by it, and where it can be trusted.

Flow is OpenCV's DIS (Kroeger et al. 2016): fast on a CPU and sub-pixel accurate. A flow field
``f`` from frame A to frame B says where each pixel of A is found in B: ``A(x) ~ B(x + f(x))``,
so ``warp(B, f)`` brings B into A's place. Reliability follows Ruder et al. 2016 (forward-backward
consistency and motion boundaries) plus a photometric check on the input frames, which catches
what both flows get wrong together (objects that appear, lighting that changes).
"""

from __future__ import annotations

import functools

import numpy as np

FLOW_SIDE = 480  # motion is estimated at most this large (long side) and scaled up: sub-pixel accurate still


def _cv2():
    import cv2

    return cv2


def gray(frame: np.ndarray) -> np.ndarray:
    """Luma of an RGB frame (uint8 or float in [0, 1]) as uint8, what DIS takes."""
    if frame.dtype != np.uint8:
        frame = np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return _cv2().cvtColor(frame, _cv2().COLOR_RGB2GRAY)


class FlowEstimator:
    """DIS flow, the MEDIUM preset (``fast``: FAST, for checks that need less accuracy); one per
    video and use (the OpenCV object keeps buffers and is not thread-safe)."""

    def __init__(self, fast: bool = False) -> None:
        cv2 = _cv2()
        self.dis = cv2.DISOpticalFlow_create(
            cv2.DISOPTICAL_FLOW_PRESET_FAST if fast else cv2.DISOPTICAL_FLOW_PRESET_MEDIUM
        )

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Flow from gray frame ``a`` to gray frame ``b`` (HxWx2, float32, in pixels)."""
        return self.dis.calc(a, b, None)


def working_size(width: int, height: int, side: int = FLOW_SIDE) -> tuple[int, int]:
    """Where motion is estimated: at most ``side`` px on the long side."""
    scale = min(1.0, side / max(width, height))
    return max(8, round(width * scale)), max(8, round(height * scale))


def resize_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A flow field resampled to ``size`` (width, height), its vectors scaled with it."""
    cv2 = _cv2()
    height, width = flow.shape[:2]
    if (width, height) == size:
        return flow
    out = cv2.resize(flow, size, interpolation=cv2.INTER_LINEAR)
    out[..., 0] *= size[0] / width
    out[..., 1] *= size[1] / height
    return out


@functools.lru_cache(maxsize=8)
def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates, made once per frame size (a video has one)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


def warp(image: np.ndarray, flow: np.ndarray, *, cubic: bool = False) -> np.ndarray:
    """``image`` sampled at ``x + flow(x)`` (outside the frame: the nearest edge). Bilinear by
    default; ``cubic`` for a picture warped again and again, which bilinear sampling would blur."""
    cv2 = _cv2()
    xs, ys = _grid(*flow.shape[:2])
    method = cv2.INTER_CUBIC if cubic else cv2.INTER_LINEAR
    return cv2.remap(image, xs + flow[..., 0], ys + flow[..., 1], method, borderMode=cv2.BORDER_REPLICATE)


def camera_motion(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """How the scene moved from gray frame ``a`` to gray frame ``b``: the 2x3 similarity transform
    (move, zoom, turn) from ``a``'s pixels to ``b``'s that most tracked corners agree on (RANSAC),
    so a moving object or an untextured sky does not pull it off the camera's motion. None: too
    few corners to tell."""
    cv2 = _cv2()
    corners = cv2.goodFeaturesToTrack(a, 400, 0.01, 8)
    if corners is None or len(corners) < 12:
        return None
    moved, found, _ = cv2.calcOpticalFlowPyrLK(a, b, corners, None, winSize=(21, 21), maxLevel=3)
    found = found[:, 0] == 1
    if found.sum() < 12:
        return None
    transform, inliers = cv2.estimateAffinePartial2D(corners[found], moved[found], method=cv2.RANSAC,
                                                     ransacReprojThreshold=1.0)  # fmt: skip
    if transform is None or inliers.sum() < 0.3 * found.sum():
        return None
    return transform


def affine(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], *, inverse: bool = False) -> np.ndarray:
    """``image`` carried by the 2x3 ``matrix`` (its pixels to the output's; ``inverse``: the output's
    to its) into a canvas of ``size`` (width, height), sub-pixel, mirrored where nothing lands.
    Lanczos, not bicubic: a carry there and back with bicubic blurs the finest strokes enough to
    change a style's look (benchmarks/RESULTS-video.md)."""
    cv2 = _cv2()
    flags = cv2.INTER_LANCZOS4 | (cv2.WARP_INVERSE_MAP if inverse else 0)
    return cv2.warpAffine(image, np.asarray(matrix, np.float64)[:2], size, flags=flags, borderMode=cv2.BORDER_REFLECT)


SINC_TAPS = 8  # each side of a sub-pixel shift (benchmarks/RESULTS-video.md: detail kept over a half-pixel and back)


def _shift_kernel(fraction: float) -> np.ndarray:
    """Lanczos-windowed sinc taps that sample a row ``fraction`` (in [0, 1)) of a pixel ahead."""
    offsets = np.arange(1 - SINC_TAPS, SINC_TAPS + 1)
    taps = np.sinc(fraction - offsets) * np.sinc((fraction - offsets) / SINC_TAPS)
    return (taps / taps.sum()).astype(np.float32)


def translate(image: np.ndarray, offset: np.ndarray | tuple[float, float], size: tuple[int, int]) -> np.ndarray:
    """``image`` moved by ``offset`` (dx, dy) px into a canvas of ``size`` (width, height), mirrored
    where nothing lands. A move is one fixed filter for every pixel, so it can afford a long
    windowed sinc: a half-pixel there and back keeps the finest detail a bicubic resample blurs,
    the strokes a style's texture is made of."""
    cv2 = _cv2()
    height, width = image.shape[:2]
    start = -np.asarray(offset, np.float64)  # where the canvas's first pixel is found in the image
    whole = np.floor(start).astype(int)
    fraction = start - whole
    if fraction.any():
        image = cv2.sepFilter2D(image, -1, _shift_kernel(fraction[0]), _shift_kernel(fraction[1]),
                                anchor=(SINC_TAPS - 1, SINC_TAPS - 1), borderType=cv2.BORDER_REFLECT)  # fmt: skip
    left, top = max(0, -whole[0]), max(0, -whole[1])
    right, bottom = max(0, whole[0] + size[0] - width), max(0, whole[1] + size[1] - height)
    if left or top or right or bottom:
        image = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_REFLECT)
    x, y = whole[0] + left, whole[1] + top
    return np.ascontiguousarray(image[y : y + size[1], x : x + size[0]])


def inside(flow: np.ndarray) -> np.ndarray:
    """Where ``x + flow(x)`` lands inside the frame (what comes in at an edge has no past)."""
    height, width = flow.shape[:2]
    xs, ys = _grid(height, width)
    tx, ty = xs + flow[..., 0], ys + flow[..., 1]
    return (tx >= 0) & (tx <= width - 1) & (ty >= 0) & (ty <= height - 1)


def _norm2(vectors: np.ndarray) -> np.ndarray:
    """Squared length of HxWx2 vectors (numpy's sum over a last axis of 2 is several times slower)."""
    return vectors[..., 0] * vectors[..., 0] + vectors[..., 1] * vectors[..., 1]


def reliable(forward: np.ndarray, backward: np.ndarray, untextured: np.ndarray | None = None) -> np.ndarray:
    """Boolean HxW: where ``forward`` (A to B) is confirmed by ``backward`` (B to A) and is not on a
    motion boundary (Ruder et al. 2016, after Sundaram et al. 2010); where A is ``untextured``
    both checks are waived."""
    cv2 = _cv2()
    back = warp(backward, forward)  # the backward flow at the point each pixel moves to
    length = _norm2(forward)
    consistent = _norm2(forward + back) <= 0.01 * (length + _norm2(back)) + 0.5
    dx = cv2.Sobel(forward, cv2.CV_32F, 1, 0, ksize=1, scale=0.5)  # central differences
    dy = cv2.Sobel(forward, cv2.CV_32F, 0, 1, ksize=1, scale=0.5)
    smooth = _norm2(dx) + _norm2(dy) <= 0.01 * length + 0.002
    trusted = consistent & smooth
    if untextured is not None:
        trusted |= untextured
    return trusted & inside(forward)


def flat(gray_frame: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Boolean HxW: where a uint8 gray frame has no texture to track (sky, walls). Flow there is
    ambiguous, so the forward-backward check fails, yet any nearby source looks the same."""
    cv2 = _cv2()
    image = gray_frame.astype(np.float32) / 255.0
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    return np.sqrt(cv2.GaussianBlur(gx * gx + gy * gy, (0, 0), 3.0)) < threshold


def photometric(a: np.ndarray, b_warped: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Boolean HxW: where RGB frames ``a`` and ``b`` warped onto it agree (float in [0, 1]); the
    difference is smoothed first, so sensor noise does not count as disagreement."""
    cv2 = _cv2()
    d = np.abs(a - b_warped)
    difference = ((d[..., 0] + d[..., 1] + d[..., 2]) * (1.0 / 3.0)).astype(np.float32)
    return cv2.GaussianBlur(difference, (0, 0), 1.5) <= threshold


def warping_error(current: np.ndarray, previous: np.ndarray, flow: np.ndarray, mask: np.ndarray) -> float:
    """Lai et al. 2018: mean squared difference between ``current`` and ``previous`` warped onto it
    by ``flow`` (current to previous), over the pixels of ``mask`` (non-occluded)."""
    difference = ((current - warp(previous, flow)) ** 2).sum(-1)
    weight = mask.astype(np.float32)
    return float((difference * weight).sum() / max(1.0, weight.sum()))
