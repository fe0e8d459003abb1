"""The ``preset`` engine: our Keras port of the 26-style network against onnxruntime, API and CLI."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

import nst
from nst.engines.builtin import parse_builtin
from nst.engines.contract import Settings
from nst.engines.preset import NAMES
from nst.io.images import to_array
from nst.nets.onnx_weights import model_path
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape


@pytest.fixture(scope="module")
def preset():
    return nst.get_engine("preset")


@pytest.fixture(scope="module")
def preset_f32():
    from nst.engines.preset import PresetEngine

    return PresetEngine(precision="float32")


@pytest.fixture(scope="module")
def reference():
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_path("multistyle26.onnx")), options, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("shape", [(384, 384), (320, 240)])
@pytest.mark.parametrize("seed", [0, 4])
def test_matches_onnxruntime(preset, preset_f32, reference, shape, seed):
    pixels = to_array(landscape(*shape, seed=seed))
    for spec in (7, "3:0.5,19:0.5", 25):
        indices, weights = parse_builtin(spec, len(NAMES))
        style = preset.prepare(indices, weights)
        mix = np.zeros(len(NAMES), np.float32)
        mix[indices] = weights
        feed = {"image": pixels.transpose(2, 0, 1)[None], "style_weights": mix}
        theirs = reference.run(None, feed)[0][0].transpose(1, 2, 0)
        exact = preset_f32.render(pixels, style, Settings())
        assert np.abs(exact - theirs).mean() <= 1e-3  # the file is float: a faithful port is exact
        ours = preset.render(pixels, style, Settings())
        assert np.abs(ours - theirs).mean() <= 0.01  # default precision (bfloat16 convolutions here)


def test_styles_differ_and_blend_in_between(content_image):
    a = np.asarray(nst.stylize(content_image, preset=3, size=320), np.float32)
    b = np.asarray(nst.stylize(content_image, preset=19, size=320), np.float32)
    mix = np.asarray(nst.stylize(content_image, preset="3:0.5,19:0.5", size=320), np.float32)
    same_mix = np.asarray(nst.stylize(content_image, preset={3: 1, 19: 1}, size=320), np.float32)
    assert np.abs(a - b).mean() > 20
    assert np.abs(mix - a).mean() > 5 and np.abs(mix - b).mean() > 5
    assert np.abs(mix - same_mix).max() <= 1


def test_any_resolution_strength_and_colours(content_image):
    big = nst.stylize(landscape(1203, 797), preset=7, size=1203)
    assert big.size == (1203, 797)
    zero = nst.stylize(content_image, preset=7, size=320, strength=0.0)
    assert np.abs(np.asarray(zero, np.int16) - np.asarray(content_image, np.int16)).max() <= 1
    kept = nst.stylize(content_image, preset=3, size=320, preserve_color=True)
    from nst.ops.color import rgb_to_ycbcr

    chroma_gap = np.abs(rgb_to_ycbcr(to_array(kept))[..., 1:] - rgb_to_ycbcr(to_array(content_image))[..., 1:])
    assert chroma_gap.mean() < 0.02


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"preset": 26}, "does not exist"),
        ({"preset": -1}, "does not exist"),
        ({"preset": "3:abc"}, "preset weight must be a number of 0 or more, got 'abc'"),
        ({"preset": "3:-1"}, "preset weight must be a number of 0 or more, got '-1'"),
        ({"preset": "3:0,4:0"}, "preset weights must have a positive, finite sum"),
        ({"preset": ""}, "empty"),
        ({"preset": 2.5}, "a number or a blend"),
        ({"preset": "2.5"}, "whole number"),
        ({"engine": "preset"}, "engine 'preset' needs a built-in style \\(preset\\)"),
        ({"engine": "magenta", "preset": 3}, "engine 'magenta' takes style images, not built-in styles"),
    ],
)
def test_bad_presets(content_image, kwargs, message):
    with pytest.raises(nst.OptionError, match=message):
        nst.stylize(content_image, **kwargs)


def test_gallery_and_sheet(content_image):
    tiles = nst.preset_gallery(content_image, size=96)
    assert len(tiles) == 26 and all(t.size == (96, 72) for t in tiles)
    assert len({np.asarray(t).tobytes() for t in tiles}) == 26
    sheet = nst.preset_sheet(content_image, size=96)
    assert sheet.width > 7 * 96 and sheet.height > 4 * 72


def test_names_are_unique_and_short():
    assert len(NAMES) == 26 == len(set(NAMES)) and max(map(len, NAMES)) <= 24
    assert nst.builtin_styles() == list(NAMES)


def test_cli_preset_and_sheet(tmp_path):
    photo = tmp_path / "photo.png"
    landscape(300, 200).save(photo)
    done = run_cli(photo, "--preset", "3:0.5,12:0.5", "-o", tmp_path / "out.png")
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "out.png").size == (300, 200)
    done = run_cli("sheet", photo, "-o", tmp_path / "sheet.png", "--size", "128")
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "sheet.png").width > 7 * 128
    for args, message in [(["--preset", "99"], "does not exist"), (["--preset", "3", "-s", photo], "not both")]:
        bad = run_cli(photo, *args, "-o", tmp_path / "bad.png")
        assert bad.returncode == 2 and message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad.png").exists()
