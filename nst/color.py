"""Keep the content's colours: take only the luminance from the stylized image.

Method: luminance-only transfer (Gatys et al. 2016, "Preserving Color in Neural Artistic
Style Transfer"), applied after stylization in BT.601 YCbCr: Y from the stylized image,
Cb and Cr from the content. It is exact, cheap at any resolution and engine-independent.
"""

from __future__ import annotations

import numpy as np

_RGB_TO_YCBCR = np.array(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], dtype=np.float32
)
_YCBCR_TO_RGB = np.linalg.inv(_RGB_TO_YCBCR).astype(np.float32)


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """Float RGB in [0, 1] to Y in [0, 1] and Cb, Cr centred on 0."""
    return rgb @ _RGB_TO_YCBCR.T


def ycbcr_to_rgb(ycbcr: np.ndarray) -> np.ndarray:
    return ycbcr @ _YCBCR_TO_RGB.T


def keep_colors(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Stylized luminance with the content's chrominance; both float HxWx3 in [0, 1], same size."""
    out = rgb_to_ycbcr(content)
    out[..., 0] = rgb_to_ycbcr(stylized)[..., 0]
    return np.clip(ycbcr_to_rgb(out), 0.0, 1.0)
