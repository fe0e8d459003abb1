"""``nst.stylize`` on the embedded model: sizes, strength, blending, colours, caching, bad settings."""

from __future__ import annotations

import numpy as np
import pytest

import nst
from nst.io.images import to_array
from nst.ops.color import rgb_to_ycbcr
from tests.helpers.pictures import landscape


def mae(a, b) -> float:
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean()) / 255.0


@pytest.mark.parametrize(
    "shape,size,expected",
    [
        ((320, 240), 1024, (320, 240)),
        ((320, 240), 64, (64, 48)),
        ((333, 101), 333, (333, 101)),
        ((240, 320), 150, (112, 150)),
    ],
)
def test_output_size_is_long_side_without_upscaling(style_image, shape, size, expected):
    out = nst.stylize(landscape(*shape), style_image, size=size)
    assert out.size == expected and out.mode == "RGB"


def test_upscale_on_request(content_image, style_image):
    assert nst.stylize(content_image, style_image, size=640, upscale=True).size == (640, 480)


def test_large_output_in_one_pass(style_image):
    """No fixed 384 px step: a 2048 px result comes from one full-resolution pass (at brush size
    0.5, whose strokes are the network's own)."""
    reports = []
    out = nst.stylize(landscape(2048, 1536), style_image, size=2048, stroke_scale=0.5, progress=reports.append)
    assert out.size == (2048, 1536) and [(r.done, r.total) for r in reports] == [(1, 1)]
    pixels = np.asarray(out, np.float32)
    assert pixels.std() > 10  # a real picture, not a flat fill
    column_steps = np.abs(np.diff(pixels, axis=1)).mean(axis=(0, 2))
    assert column_steps[[383, 511, 1023]].max() < 3 * np.median(column_steps) + 5


def test_huge_output_in_tiles_without_seams_at_the_joints(style_image):
    """4096x2304 is over the one-pass size: six tiles of 1536 px, joints at 1536 and 3072 px across
    and 1536 px down; neighbouring pixels across a joint differ like any other pair."""
    reports = []
    out = nst.stylize(landscape(4096, 2304), style_image, size=4096, stroke_scale=0.25, progress=reports.append)
    assert out.size == (4096, 2304) and [r.done for r in reports] == [1, 2, 3, 4, 5, 6]
    pixels = np.asarray(out, np.float32)
    column_steps = np.abs(np.diff(pixels, axis=1)).mean(axis=(0, 2))
    row_steps = np.abs(np.diff(pixels, axis=0)).mean(axis=(1, 2))
    assert column_steps[[1535, 3071]].max() < 2 * np.median(column_steps) + 2
    assert row_steps[1535] < 2 * np.median(row_steps) + 2


def test_style_changes_the_picture(content_image, style_image, second_style):
    a = nst.stylize(content_image, style_image, size=320)
    b = nst.stylize(content_image, second_style, size=320)
    assert mae(a, content_image) > 0.05 and mae(a, b) > 0.03


def test_strength_interpolates_in_style_space(content_image, style_image):
    full = nst.stylize(content_image, style_image, size=320)
    none = nst.stylize(content_image, style_image, size=320, strength=0.0)
    half = nst.stylize(content_image, style_image, size=320, strength=0.5)
    own = nst.render(content_image, nst.prepare_style(content_image), nst.Settings(size=320))
    assert mae(none, own) < 0.01  # strength 0 is the content's own style vector, not the raw photo
    assert mae(half, full) > 0.01 and mae(half, none) > 0.01
    pixel_fade = (np.asarray(full, np.float32) + np.asarray(none, np.float32)) / 2
    assert mae(half, pixel_fade) > 0.005  # not a cross-fade of the two pictures


def test_blend_weights(content_image, style_image, second_style):
    only_first = nst.stylize(content_image, [style_image, second_style], size=320, style_weights=[1, 0])
    first = nst.stylize(content_image, style_image, size=320)
    assert mae(only_first, first) < 0.002
    mixed = nst.stylize(content_image, [style_image, second_style], size=320, style_weights=[0.5, 0.5])
    second = nst.stylize(content_image, second_style, size=320)
    assert mae(mixed, first) > 0.01 and mae(mixed, second) > 0.01


def test_preserve_color_keeps_content_chroma(content_image, style_image):
    plain = nst.stylize(content_image, style_image, size=320)
    kept = nst.stylize(content_image, style_image, size=320, preserve_color=True)
    chroma = lambda im: rgb_to_ycbcr(to_array(im))[..., 1:]  # noqa: E731
    luma = lambda im: rgb_to_ycbcr(to_array(im))[..., 0]  # noqa: E731
    assert np.abs(chroma(kept) - chroma(content_image)).mean() < 0.02
    assert np.abs(chroma(plain) - chroma(content_image)).mean() > 0.04
    assert np.abs(luma(kept) - luma(plain)).mean() < 0.02


def test_a_style_prepared_once_renders_what_stylize_gives(content_image, style_image, second_style):
    style = nst.prepare_style([style_image, second_style], style_weights=[0.7, 0.3])
    again = nst.PreparedStyle.from_bytes(style.to_bytes())  # as a remote worker gets it
    assert again == style and hash(again) == hash(style) and style.engine == "magenta"
    settings = nst.Settings(strength=0.8, size=256, preserve_color=True)
    rendered = nst.render(content_image, again, settings)
    styles = [style_image, second_style]
    direct = nst.stylize(content_image, styles, style_weights=[0.7, 0.3], strength=0.8, size=256, preserve_color=True)
    assert np.array_equal(np.asarray(rendered), np.asarray(direct))
    assert nst.prepare_style(style_image) != style


def test_cancel_stops_a_tiled_render_before_the_next_tile(style_image):
    token = nst.CancelToken()
    reports = []

    def cancel_after_first(report):
        reports.append(report)
        token.cancel()

    with pytest.raises(nst.Cancelled):
        nst.stylize(landscape(4096, 2304), style_image, size=4096, progress=cancel_after_first, cancel=token)
    assert [r.done for r in reports] == [1]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"strength": 1.5}, "strength"),
        ({"strength": -0.1}, "strength"),
        ({"size": 10}, "size"),
        ({"size": 100_000}, "size"),
        ({"engine": "nope"}, "unknown engine"),
        ({"style_weights": [1, 2, 3]}, "3 style weights for 1"),
        ({"style_weights": [-1]}, "each style weight must be a number of 0 or more"),
        ({"iterations": 5}, "iterations is not a setting of engine 'magenta'"),
        ({"preset": 3}, "give style images or a built-in style \\(preset\\), not both"),
    ],
)
def test_bad_settings_raise_one_line(content_image, style_image, kwargs, message):
    with pytest.raises(nst.OptionError, match=message) as info:
        nst.stylize(content_image, style_image, **kwargs)
    assert "\n" not in str(info.value)


def test_missing_style_and_bad_images(content_image, style_image):
    with pytest.raises(nst.OptionError, match="style image"):
        nst.stylize(content_image)
    with pytest.raises(nst.ImageError, match="content"):
        nst.stylize(b"not an image", style_image)
    with pytest.raises(nst.ImageError, match="style 2"):
        nst.stylize(content_image, [style_image, b""])
