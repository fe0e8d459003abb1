"""Brush size: a large result keeps the look of the 1024 px one, with the full-size detail."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import nst
from nst.io.images import to_array
from nst.ops.color import rgb_to_ycbcr
from nst.ops.strokes import carry_detail, resize, stroke_factor
from tests.helpers.pictures import landscape


def small(image: Image.Image, side: int = 1024) -> np.ndarray:
    """The picture scaled to the long side ``side`` (area averaging), float."""
    height, width = image.height, image.width
    scale = side / max(height, width)
    return resize(to_array(image), round(height * scale), round(width * scale))


def gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def detail(pixels: np.ndarray) -> float:
    """Energy of the finest band: what a 2x upscale cannot hold."""
    height, width = pixels.shape[:2]
    return float(np.square(pixels - resize(resize(pixels, height // 2, width // 2), height, width)).mean())


@pytest.mark.parametrize(
    "side,scale,factor", [(1024, 1.0, 1.0), (512, 1.0, 1.0), (1060, 1.0, 1.0), (4096, 1.0, 4.0), (2048, 2.0, 4.0),
                          (4096, 0.25, 1.0), (3072, 0.5, 1.5)],
)  # fmt: skip
def test_working_size_follows_the_brush(side, scale, factor):
    assert stroke_factor(side, scale) == pytest.approx(factor)


@pytest.mark.parametrize("scale", [0.1, 5, True, "9", "two", float("nan")])
def test_brush_size_out_of_range_is_one_clear_error(content_image, style_image, scale):
    with pytest.raises(nst.OptionError, match="stroke scale"):
        nst.stylize(content_image, style_image, stroke_scale=scale)


def test_carried_detail_keeps_the_coarse_picture_and_the_fine_texture():
    rng = np.random.default_rng(0)
    coarse = resize(rng.random((16, 24, 3), np.float32) * 0.5 + 0.25, 64, 96)  # strokes, not pixel noise
    fine = rng.random((256, 384, 3), np.float32) * 0.5 + 0.25
    out = carry_detail(coarse, fine)
    assert out.shape == fine.shape and out.dtype == np.float32
    assert gap(resize(out, 64, 96), coarse) < 0.02  # seen small, it is the working-size picture
    assert gap(resize(fine, 64, 96), coarse) > 0.1
    high = lambda x: x - resize(resize(x, 64, 96), 256, 384)  # noqa: E731
    assert gap(high(out), high(fine)) < 0.02  # and its finest bands are the full-size render's


def test_a_large_result_looks_like_the_1024_px_one_only_sharper(style_image):
    photo = landscape(2048, 1536)
    reference = to_array(nst.stylize(photo, style_image, size=1024))
    native = nst.stylize(photo, style_image, size=2048, stroke_scale=0.5)  # the network's own strokes
    ours = nst.stylize(photo, style_image, size=2048)
    assert ours.size == native.size == (2048, 1536)
    assert gap(small(ours), reference) < 0.5 * gap(small(native), reference)
    upscaled = resize(reference, 1536, 2048)
    assert detail(to_array(ours)) > 3 * detail(upscaled)


def test_bigger_brush_at_the_same_size_paints_larger_strokes(style_image):
    photo = landscape(1024, 768)
    default = nst.stylize(photo, style_image, size=1024)
    double = nst.stylize(photo, style_image, size=1024, stroke_scale=2.0)
    reference_512 = to_array(nst.stylize(photo, style_image, size=512))
    assert gap(small(double, 512), reference_512) < 0.5 * gap(small(default, 512), reference_512)


def test_two_renders_report_one_progress_from_0_to_1(style_image):
    reports = []
    nst.stylize(landscape(2048, 1536), style_image, size=2048, progress=reports.append)
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 < fractions[0] < 0.5
    assert {r.stage for r in reports} == {"brush strokes", "fine detail"}
    assert not any(r.single for r in reports)  # front ends draw a bar for it


def test_brush_size_with_built_in_styles_keep_colours_and_blends(content_image, style_image, second_style):
    photo = landscape(1600, 1200)
    kept = nst.stylize(photo, preset=7, size=1600, preserve_color=True)
    assert kept.size == (1600, 1200)
    chroma = lambda im: rgb_to_ycbcr(to_array(im))[..., 1:]  # noqa: E731
    assert gap(chroma(kept), chroma(photo)) < 0.02
    blend = nst.stylize(photo, [style_image, second_style], size=1600, stroke_scale=1.5)
    assert blend.size == (1600, 1200)


def test_gatys_sees_the_style_larger_with_a_bigger_brush(content_image, style_image):
    """Larger strokes hold less of the picture's energy in its finest band."""
    kwargs = {"engine": "gatys", "size": 512, "iterations": 12, "upscale": True}  # the 512 stage: style 2x
    plain = to_array(nst.stylize(content_image, style_image, **kwargs))
    bigger = to_array(nst.stylize(content_image, style_image, stroke_scale=4.0, **kwargs))
    assert detail(bigger) < 0.9 * detail(plain), (detail(bigger), detail(plain))
