"""Adaptive instance normalization (Huang & Belongie 2017) as pure functions on NHWC features.

The AdaIN engine (issue 5) aligns the content features' per-channel mean and standard
deviation to the style's; blending several styles mixes their statistics, and strength is
the paper's alpha (interpolating between the content features and the AdaIN target).
"""

from __future__ import annotations

from collections.abc import Sequence

EPS = 1e-5


def calc_mean_std(features, eps: float = EPS):
    """Per-image, per-channel mean and standard deviation over positions: (N, 1, 1, C) each."""
    from keras import ops

    mean, var = ops.moments(features, axes=[1, 2], keepdims=True)
    return mean, ops.sqrt(var + eps)


def adaptive_instance_normalization(content, style_mean, style_std, eps: float = EPS):
    """Content features with their channel statistics replaced by the given ones."""
    mean, std = calc_mean_std(content, eps)
    return (content - mean) / std * style_std + style_mean


def blend_statistics(statistics: Sequence[tuple], weights: Sequence[float]):
    """Weighted mix of several styles' (mean, std) pairs; weights must sum to 1."""
    mean = sum(w * m for w, (m, _) in zip(weights, statistics, strict=True))
    std = sum(w * s for w, (_, s) in zip(weights, statistics, strict=True))
    return mean, std


def stylize_features(content, statistics: Sequence[tuple], weights: Sequence[float], alpha: float = 1.0):
    """AdaIN toward the blended style statistics, then interpolate with the content by ``alpha``."""
    mean, std = blend_statistics(statistics, weights)
    target = adaptive_instance_normalization(content, mean, std)
    return alpha * target + (1.0 - alpha) * content
