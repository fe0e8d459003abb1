"""``nst export``: TFLite models that run in tf.lite.Interpreter and match the Keras engine."""

from __future__ import annotations

import numpy as np
import pytest

from nst.api import export_models
from nst.engines.adain import STYLE_SIDE, AdaINEngine
from nst.engines.contract import Settings
from nst.io.images import fit, to_array
from nst.runtime.tf import import_tensorflow
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting


@pytest.fixture(scope="module")
def engine() -> AdaINEngine:
    return AdaINEngine(precision="float32")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """float32 through the API, float16 through the CLI as a user runs it."""
    plain = tmp_path_factory.mktemp("tflite32")
    export_models(plain, "adain", "tflite")
    half = tmp_path_factory.mktemp("tflite16")
    done = run_cli("export", "--engine", "adain", "--format", "tflite", "--float16", "-o", half)
    assert done.returncode == 0, done.stderr
    assert "adain_transfer.tflite" in done.stdout and "MiB" in done.stdout
    return {"float32": plain, "float16": half}


def run_tflite(path, **inputs) -> dict:
    tf = import_tensorflow()
    interpreter = tf.lite.Interpreter(model_path=str(path))
    runner = interpreter.get_signature_runner()
    return runner(**{k: np.asarray(v, np.float32) for k, v in inputs.items()})


@pytest.mark.parametrize("kind", ["float32", "float16"])
@pytest.mark.parametrize("size", [(256, 256), (317, 190)])  # any size: the model pads itself
def test_tflite_matches_keras(engine, folders, kind, size):
    content = to_array(landscape(*size))
    painted = painting(3, size=256)
    style = to_array(fit(painted, STYLE_SIDE, upscale=True))  # as the engine sees a style image
    stats = run_tflite(folders[kind] / "adain_style.tflite", style_image=style[None])
    prepared = engine.prepare([painted], np.ones(1, np.float32))
    keras_stats = engine.statistics(prepared)
    names = [f"style_{kind}{level}" for level in range(engine.network.levels) for kind in ("mean", "std")]
    for name, value in zip(names, keras_stats, strict=False):
        assert np.abs(stats[name] - value).mean() < 0.01, name
    last = ("style_color_cov", "style_band_contrast", "style_detail_contrast")
    for name, value in zip(last, keras_stats[-3:], strict=True):
        assert np.abs(stats[name] - value).max() < 0.01, name
    out = run_tflite(
        folders[kind] / "adain_transfer.tflite", content_image=content[None], strength=np.float32(0.8), **stats
    )["image"][0]
    expected = engine.render(content, prepared, Settings(strength=0.8))
    assert out.shape == expected.shape
    assert np.abs(out - expected).mean() < 0.01


def test_float16_models_are_smaller(folders):
    for name in ("adain_style.tflite", "adain_transfer.tflite"):
        assert (folders["float16"] / name).stat().st_size < 0.7 * (folders["float32"] / name).stat().st_size


def test_bad_export_requests_are_one_line_errors(tmp_path):
    done = run_cli("export", "--format", "onnx", "-o", tmp_path / "x")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "onnx" in done.stderr
    (tmp_path / "file").write_text("not a folder")
    done = run_cli("export", "-o", tmp_path / "file")
    assert done.returncode == 2 and "not a folder" in done.stderr and len(done.stderr.strip().splitlines()) == 1
