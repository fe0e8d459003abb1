"""AdaIN's pure functions: statistics really move to the style's; blends and alpha interpolate."""

from __future__ import annotations

import numpy as np

from nst.ops.adain import adaptive_instance_normalization, blend_statistics, stylize_features
from nst.ops.color import COLOR_EPS, apply_color_transform, color_statistics, color_transform, sqrt_and_inverse_sqrt
from nst.ops.moments import calc_mean_std


def features(seed: int, loc: float, scale: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc, scale, (2, 9, 7, 5)).astype(np.float32)


def test_adain_transfers_mean_and_std():
    content, style = features(0, 3.0, 2.0), features(1, -1.0, 0.5)
    style_mean, style_std = calc_mean_std(style)
    out = np.asarray(adaptive_instance_normalization(content, style_mean, style_std))
    mean, std = (np.asarray(t) for t in calc_mean_std(out))
    np.testing.assert_allclose(mean, np.asarray(style_mean), atol=1e-4)
    np.testing.assert_allclose(std, np.asarray(style_std), rtol=1e-3)
    # the spatial pattern is the content's: per-channel correlation stays 1
    c = content[0, :, :, 0].ravel()
    o = out[0, :, :, 0].ravel()
    assert np.corrcoef(c, o)[0, 1] > 0.999


def test_blend_and_alpha():
    content = features(0, 3.0, 2.0)
    a, b = calc_mean_std(features(1, -1.0, 0.5)), calc_mean_std(features(2, 5.0, 4.0))
    mean, std = blend_statistics([a, b], [0.25, 0.75])
    np.testing.assert_allclose(np.asarray(mean), 0.25 * np.asarray(a[0]) + 0.75 * np.asarray(b[0]), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(stylize_features(content, [a], [1.0], alpha=0.0)), content, atol=1e-6)
    half = np.asarray(stylize_features(content, [a], [1.0], alpha=0.5))
    full = np.asarray(stylize_features(content, [a], [1.0], alpha=1.0))
    np.testing.assert_allclose(half, (full + content) / 2, atol=1e-5)


def test_color_transform_gives_the_target_mean_and_covariance():
    rng = np.random.default_rng(3)
    source = (0.4 + 0.1 * rng.normal(size=(1, 30, 40, 3))).astype(np.float32)  # greyish, uncorrelated
    mixing = np.array([[1.0, 0.6, 0.1], [0.0, 0.8, -0.3], [0.0, 0.0, 0.5]], np.float32)  # correlated colours
    target = (0.5 + 0.08 * rng.normal(size=(1, 25, 25, 3)) @ mixing).astype(np.float32)
    out = np.asarray(apply_color_transform(source, color_transform(color_statistics(source), color_statistics(target))))
    mean, cov = (np.asarray(v) for v in color_statistics(out))
    want_mean, want_cov = (np.asarray(v) for v in color_statistics(target))
    np.testing.assert_allclose(mean, want_mean, atol=2e-3)
    np.testing.assert_allclose(cov, want_cov, atol=3e-4)  # off-diagonals too: the colours' correlation
    assert abs(want_cov[0, 1]) > 2e-3


def test_matrix_square_roots_by_newton_schulz():
    for matrix in (np.diag([1e-3, 0.02, 0.08]), np.array([[0.05, 0.04, 0.0], [0.04, 0.05, 0.01], [0.0, 0.01, 0.02]])):
        root, inverse = (np.asarray(v, np.float64) for v in sqrt_and_inverse_sqrt(matrix.astype(np.float32)))
        regularized = matrix + COLOR_EPS * np.eye(3)
        np.testing.assert_allclose(root @ root, regularized, atol=1e-6)
        np.testing.assert_allclose(root @ inverse, np.eye(3), atol=1e-4)
