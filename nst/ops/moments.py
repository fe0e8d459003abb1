"""Per-channel statistics of NHWC feature maps over positions: the one implementation of mean/std.

The whole picture is one region: with no ``weights`` every position counts alike, with region
masks each region's statistics are its own (Huang & Belongie 2017, spatial control).
"""

from __future__ import annotations

EPS = 1e-5  # added to the variance before the square root, as AdaIN and instance norm do


def _average(x, weights, keepdims: bool):
    """Mean over positions: per channel (N, C), or per region and channel (N, K, C) with ``weights``."""
    from keras import ops

    if weights is None:
        return ops.mean(x, axis=[1, 2], keepdims=keepdims)
    w = ops.cast(weights, "float32")
    total = ops.maximum(ops.sum(w, axis=[1, 2]), 1e-6)[..., None]  # N x K x 1
    return ops.einsum("nhwk,nhwc->nkc", w, x) / total


def channel_moments(features, weights=None, fast: bool = False, keepdims: bool = False):
    """(mean, variance) per image and channel, float32: (N, C), or (N, 1, 1, C) with ``keepdims``;
    with ``weights`` N x H x W x K (region masks at the features' size), per region: (N, K, C).

    ``fast``: E[x^2] - mean^2, one pass over the map (25 % faster on the AdaIN engine's maps;
    fine for bounded features such as ReLU6 outputs, where float32 keeps it to ~1e-5); else
    the two-pass variance, exact for features of any scale (VGG's reach hundreds). Weighted
    moments are always one pass.
    """
    from keras import ops

    x = ops.cast(features, "float32")
    if weights is None and not fast:
        return ops.moments(x, axes=[1, 2], keepdims=keepdims)
    mean = _average(x, weights, keepdims)
    return mean, ops.maximum(_average(ops.square(x), weights, keepdims) - ops.square(mean), 0.0)


def calc_mean_std(features, eps: float = EPS, fast: bool = False, keepdims: bool = True):
    """Per-channel mean and standard deviation sqrt(var + eps): (N, 1, 1, C) each, or (N, C)."""
    from keras import ops

    mean, var = channel_moments(features, fast=fast, keepdims=keepdims)
    return mean, ops.sqrt(var + eps)
