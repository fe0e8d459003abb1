"""Regional styles: each region painted in its own style inside the network (the border painted
in one piece), the photo kept where asked, tiles that stitch, and clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

import nst
from nst.engines.contract import Regions, Settings
from nst.io.images import to_array
from nst.nets.tiling import Tiling
from tests.helpers.pictures import landscape, painting

SIZE = (320, 240)


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return landscape(*SIZE, seed=5)


def half_mask(size=SIZE, left: float = 0.5) -> Image.Image:
    """White on the left ``left`` of the picture."""
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle((0, 0, round(size[0] * left) - 1, size[1]), fill=255)
    return mask


def arrays(*pictures) -> list[np.ndarray]:
    return [np.asarray(p.convert("RGB"), np.float32) for p in pictures]


def border_jump(picture: np.ndarray, column: int) -> float:
    """The colour step between the two columns at ``column``, relative to the picture's usual step
    between neighbouring columns (its texture): a cut-and-paste seam stands out, a painted border not."""
    steps = np.abs(np.diff(picture, axis=1)).mean(axis=(0, 2))
    usual = np.median(np.concatenate([steps[10 : column - 20], steps[column + 20 : -10]]))
    return float(steps[column - 1] / usual)


@pytest.mark.parametrize("engine,inside,outside", [("preset", 3, 19), ("magenta", "a", "b"), ("adain", "a", "b")])
def test_each_region_gets_its_style_painted_in_one_piece(photo, engine, inside, outside):
    if engine == "preset":
        styles, spec = {}, {"preset": f"{inside},{outside}"}
        alone = [{"preset": inside}, {"preset": outside}]
    else:
        a, b = painting(2), painting(7)
        styles, spec = {}, {"style": [a, b]}
        alone = [{"style": a}, {"style": b}]
    common = {"engine": engine, "size": SIZE[0], **styles}
    ours = nst.stylize(photo, mask=half_mask(), feather=0.0, **common, **spec)
    first, second = (nst.stylize(photo, **common, **one) for one in alone)
    ours_a, first_a, second_a = arrays(ours, first, second)
    inner, outer = slice(0, 120), slice(200, 320)  # away from the border's reach
    gap = lambda a, b, part: np.abs(a[:, part] - b[:, part]).mean()  # noqa: E731
    assert gap(ours_a, first_a, inner) < 0.5 * gap(ours_a, second_a, inner)
    assert gap(ours_a, second_a, outer) < 0.5 * gap(ours_a, first_a, outer)
    pasted = np.concatenate([first_a[:, :160], second_a[:, 160:]], axis=1)
    assert border_jump(ours_a, 160) < 0.8 * border_jump(pasted, 160)  # a smaller step than a cut, unfeathered


def test_one_style_keeps_the_photo_outside(photo):
    ours, plain = arrays(
        nst.stylize(photo, preset=7, mask=half_mask(), feather=0.0, size=SIZE[0]),
        nst.stylize(photo, preset=7, size=SIZE[0]),
    )
    original = arrays(photo)[0]
    assert np.abs(ours[:, 200:] - original[:, 200:]).max() <= 1.0  # the photo, pixel for pixel
    assert np.abs(ours[:, :150] - plain[:, :150]).mean() < 2.0
    assert np.abs(ours[:, :150] - original[:, :150]).mean() > 20.0


def test_feather_softens_the_border(photo):
    sharp, soft = arrays(*(nst.stylize(photo, preset=7, mask=half_mask(), feather=f, size=SIZE[0]) for f in (0, 0.05)))
    original = arrays(photo)[0]
    change = lambda a: np.abs(a - original).mean(axis=(0, 2))  # noqa: E731  (per column)
    assert change(sharp)[175] < 2.0 < change(soft)[175]  # the soft border reaches past the mask
    assert change(soft)[150] < change(sharp)[150]  # and fades in before it


@pytest.mark.parametrize("name", ["preset", "magenta", "adain"])
def test_regional_tiles_stitch_without_seams(name, style_image):
    one_pass = nst.get_engine(name)
    chosen = [[3], [19]] if name == "preset" else [[style_image], [painting(7)]]
    styles = [one_pass.prepare(s, np.ones(1, np.float32)) for s in chosen]
    pixels = to_array(landscape(600, 440))
    yy, xx = np.mgrid[:440, :600]
    inside = ((xx - 300) ** 2 + (yy - 220) ** 2 < 150**2).astype(np.float32)
    masks = np.stack([inside, 1 - inside], axis=-1)
    whole = one_pass.render_regions(pixels, styles, masks, Settings())
    twin = type(one_pass)(tiling=Tiling(full_pass_pixels=1000, tile=256, stats_pixels=10**8))
    stitched = twin.render_regions(pixels, styles, masks, Settings())
    gap = np.abs(stitched - whole)
    assert gap.mean() < 1e-3 and gap.max() < 0.02


def test_gatys_matches_each_regions_gram_matrices_to_its_own_style(photo):
    """Masked Gram matrices (Gatys et al. 2017): warm style inside, cool outside, in one optimization."""
    warm, cool = Image.new("RGB", (128, 128), (230, 90, 20)), Image.new("RGB", (128, 128), (20, 90, 230))
    quick = {"engine": "gatys", "size": 128, "iterations": 40, "coarse_to_fine": False}
    ours = arrays(nst.stylize(photo, [warm, cool], mask=half_mask(), feather=0.0, **quick))[0]
    left, right = ours[:, 10:50].mean(axis=(0, 1)), ours[:, 78:118].mean(axis=(0, 1))
    assert left[0] - left[2] > 40 and right[2] - right[0] > 40, (left, right)  # red-ish left, blue-ish right


def test_regions_must_match_their_styles():
    with pytest.raises(nst.OptionError, match="masks"):
        Regions(np.ones((4, 4, 3), np.float32), (None, None))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"preset": 3, "mask": Image.new("L", (100, 100), 255)}, "aspect ratio within 1%"),
        ({"preset": "3,19,4", "mask": half_mask()}, "one style .* or two"),
        (
            {"style": [painting(1), painting(2)], "engine": "magenta-hub", "mask": half_mask()},
            "cannot paint two styles",
        ),
        ({"preset": 3, "mask": half_mask(), "feather": 0.5}, "feather"),
        ({"style": [painting(1), painting(2)], "style_weights": [1, 1], "mask": half_mask()}, "weights"),
        ({"preset": 3, "mask": b"not an image"}, "mask: not an image"),
    ],
)
def test_bad_regions_fail_in_one_line(photo, kwargs, message):
    with pytest.raises(nst.NSTError, match=message) as info:
        nst.stylize(photo, size=SIZE[0], **kwargs)
    assert "\n" not in str(info.value)
