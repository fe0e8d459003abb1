"""Every engine's picture on a fixed pair, against the picture the code before the engine contract
made (``tests/data/reference``, written once by that code): the redesign changed no output.
The two adain pictures were written again when issue 19 took the decoder's grid and edge
colour out of its pictures (nst.ops.grid), and when it retrained the decoder and matched the
finest band's contrast (benchmarks/RESULTS-curve.md)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import nst
from tests.helpers import ROOT
from tests.helpers.pictures import landscape, painting

REFERENCE = ROOT / "tests" / "data" / "reference"
CASES = {
    "magenta": {"style": "a", "size": 256},
    "magenta_blend": {
        "style": "ab", "style_weights": [0.7, 0.3], "strength": 0.8, "size": 256, "preserve_color": True,
    },
    "preset": {"preset": 19, "size": 256},
    "preset_blend": {"preset": "3:0.5,12:0.5", "strength": 0.6, "size": 256},
    "adain": {"style": "a", "engine": "adain", "size": 256},
    "adain_blend": {"style": "ab", "engine": "adain", "strength": 0.7, "size": 256},
    "gatys": {"style": "a", "engine": "gatys", "size": 96, "iterations": 5},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_picture_as_before_the_redesign(name):
    kwargs = dict(CASES[name])
    styles = {"a": painting(3), "b": painting(7)}
    style = [styles[key] for key in kwargs.pop("style", "")] or None
    if style is not None and len(style) == 1:
        style = style[0]
    out = np.asarray(nst.stylize(landscape(320, 240), style, **kwargs), np.float32) / 255
    expected = np.asarray(Image.open(REFERENCE / f"{name}.png"), np.float32) / 255
    assert out.shape == expected.shape
    gap = np.abs(out - expected)
    # each CPU's kernels (and bfloat16 where the CPU has it) round a little differently: against
    # pictures written on another machine, one with AVX2 alone measured a mean up to 0.006 and a
    # 99th percentile up to 0.035; a picture that really changed (moved a pixel, lost a step) is
    # far above both
    assert gap.mean() <= 0.01 and np.percentile(gap, 99) <= 0.05, (gap.mean(), np.percentile(gap, 99))
