"""Region masks for regional styles: a user's mask fitted to the picture, feathered, split into
one weight map per region (they sum to 1 at every pixel)."""

from __future__ import annotations

import numpy as np

from nst.errors import OptionError

ASPECT_TOLERANCE = 0.01  # a mask may differ from the photo's width/height ratio by this fraction
MAX_FEATHER = 0.25  # of the picture's long side
DEFAULT_FEATHER = 0.01


def check_aspect(mask_size: tuple[int, int], picture_size: tuple[int, int]) -> None:
    """A mask must have the photo's aspect ratio within 1% (it is resized to it, never cropped)."""
    (mw, mh), (pw, ph) = mask_size, picture_size
    if abs((mw / mh) / (pw / ph) - 1.0) > ASPECT_TOLERANCE:
        raise OptionError(
            f"the mask is {mw}x{mh} and the photo {pw}x{ph}: the mask must have the photo's shape "
            f"(aspect ratio within {ASPECT_TOLERANCE:.0%})"
        )


def fitted(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """Float HxW weights in [0, 1] (white = 1) resized to ``height`` x ``width``."""
    import cv2

    mask = np.clip(np.asarray(mask, np.float32), 0.0, 1.0)
    if mask.shape[:2] == (height, width):
        return mask
    shrink = height * width < mask.shape[0] * mask.shape[1]
    method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return np.clip(cv2.resize(mask, (width, height), interpolation=method), 0.0, 1.0)


def feathered(mask: np.ndarray, feather: float) -> np.ndarray:
    """Borders softened by a Gaussian of ``feather`` times the long side (0: as drawn; checked by
    the request)."""
    if feather == 0:
        return mask
    import cv2

    sigma = feather * max(mask.shape[:2])
    return np.clip(cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT), 0.0, 1.0)


def inside_outside(mask: np.ndarray) -> np.ndarray:
    """HxW weights of the inside to HxWx2 (inside, outside) region weights."""
    return np.stack([mask, 1.0 - mask], axis=-1).astype(np.float32)


def normalized(weights: np.ndarray) -> np.ndarray:
    """HxWxK region weights scaled to sum to 1 at every pixel (equal shares where all are 0)."""
    weights = np.maximum(np.asarray(weights, np.float32), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    equal = np.full_like(weights, 1.0 / weights.shape[-1])
    return np.where(total > 1e-6, weights / np.maximum(total, 1e-6), equal)
