"""Our Keras port against onnxruntime running the very ONNX files it reads its weights from.

Checked twice: in float32 (the port itself: must be exact) and in the precision users get by
default (bfloat16 convolutions on CPUs with AMX/AVX512-BF16), which must stay within the
issue's bound of 0.01.
"""

from __future__ import annotations

import numpy as np
import pytest

from nst.engines.contract import PreparedStyle, Settings
from nst.io.images import to_array
from nst.nets.magenta import style_input
from tests.helpers import onnx_reference as ref
from tests.helpers.pictures import landscape, painting

SIDE = 384  # the ONNX graphs' fixed content size
CASES = [(landscape(SIDE, SIDE, seed=0), painting(1)), (landscape(SIDE, SIDE, seed=3), painting(5))]


@pytest.fixture(scope="module")
def magenta_f32():
    from nst.engines.magenta import MagentaEngine

    return MagentaEngine(precision="float32")


@pytest.fixture(scope="module")
def sessions():
    return {
        (name, exact): ref.session(f"arbitrary_{name}.onnx", float_activations=exact)
        for name in ("predict", "transform")
        for exact in (True, False)
    }


def transform(engine, pixels: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """The engine's transformer on a given style vector (a prepared style is just that vector)."""
    return engine.render(pixels, PreparedStyle.of("magenta", vector=vector), Settings())


def mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(np.asarray(a, np.float32).ravel() - np.asarray(b, np.float32).ravel()).mean())


@pytest.mark.parametrize("case", range(len(CASES)))
def test_style_predictor_matches_onnxruntime(magenta, sessions, case):
    _, style = CASES[case]
    x = style_input(style)
    ours = magenta.style_vector(style)
    exact = ref.run(sessions["predict", True], x[None])
    int8 = ref.run(sessions["predict", False], x[None])
    other = ref.run(sessions["predict", True], style_input(CASES[1 - case][1])[None])
    assert mae(ours, exact) <= 1e-3  # same weights, float activations: a faithful port is exact
    # no further from the shipped int8 graph than the float graph is: onnxruntime's int8 rounding
    # depends on the CPU (within 0.1 on earlier machines, 0.11-0.17 on one with AVX2 but no AVX-512)
    assert mae(ours, int8) <= mae(exact, int8) + 1e-3
    assert mae(ours, int8) < 0.5 * mae(ours, other)  # and far closer than another style's vector


@pytest.mark.parametrize("case", range(len(CASES)))
def test_transformer_matches_onnxruntime(magenta, magenta_f32, sessions, case):
    content, style = CASES[case]
    vector = ref.run(sessions["predict", False], style_input(style)[None]).reshape(100)
    pixels = to_array(content)
    ours = transform(magenta, pixels, vector)
    exact = ref.run(sessions["transform", True], pixels[None], vector)[0]
    int8 = ref.run(sessions["transform", False], pixels[None], vector)[0]
    assert ours.shape == (SIDE, SIDE, 3)
    assert mae(transform(magenta_f32, pixels, vector), exact) <= 1e-3  # float32: the port is exact
    assert mae(ours, exact) <= 0.01  # default precision
    assert mae(ours, int8) <= 0.1  # measured 0.03-0.06: int8 activation rounding, see module doc
    other_vector = ref.run(sessions["predict", False], style_input(CASES[1 - case][1])[None]).reshape(100)
    other = ref.run(sessions["transform", True], pixels[None], other_vector)[0]
    assert mae(ours, int8) < 0.5 * mae(ours, other)
