"""Adaptive instance normalization (Huang & Belongie 2017) as pure functions on NHWC features.

The AdaIN engine (issue 5) aligns the content features' per-channel mean and standard
deviation to the style's; blending several styles mixes their statistics, and strength is
the paper's alpha (interpolating between the content features and the AdaIN target).
"""

from __future__ import annotations

from collections.abc import Sequence

from nst.ops.moments import EPS, calc_mean_std


def level_statistics(features: list) -> list:
    """(mean, std) of each level's features in turn, flat: the layout of the engine's style statistics."""
    return [m for level in features for m in calc_mean_std(level, fast=True)]


def adaptive_instance_normalization(content, style_mean, style_std, eps: float = EPS, content_stats=None):
    """Content features with their channel statistics replaced by the given ones.

    ``content_stats`` (mean, std) stand in for the content's own, e.g. a whole image's for one tile.
    """
    mean, std = content_stats if content_stats is not None else calc_mean_std(content, eps, fast=True)
    return (content - mean) / std * style_std + style_mean


def adain_affine(content_stats, style_stats, alpha):
    """(scale, shift) per channel with ``x * scale + shift`` == alpha * AdaIN(x) + (1 - alpha) * x:
    AdaIN and the strength mix in one pass over the features (the engine's hot path)."""
    (mean, std), (style_mean, style_std) = content_stats, style_stats
    ratio = style_std / std
    return alpha * ratio + (1.0 - alpha), alpha * (style_mean - mean * ratio)


def blend_statistics(statistics: Sequence[tuple], weights: Sequence[float]) -> tuple:
    """Weighted mix of several styles' statistics tuples, e.g. (mean, std); weights must sum to 1."""
    return tuple(
        sum(w * stats[i] for w, stats in zip(weights, statistics, strict=True)) for i in range(len(statistics[0]))
    )


def stylize_features(content, statistics: Sequence[tuple], weights: Sequence[float], alpha: float = 1.0):
    """AdaIN toward the blended style statistics, then interpolate with the content by ``alpha``."""
    mean, std = blend_statistics(statistics, weights)
    target = adaptive_instance_normalization(content, mean, std)
    return alpha * target + (1.0 - alpha) * content
