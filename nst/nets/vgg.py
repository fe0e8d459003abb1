"""ImageNet VGG-19 ("normalised", Gatys et al.) up to relu3_1, from an .npz file given by path.

Serves both the AdaIN training losses and the quality metric (benchmarks/quality.py): one
encoder, one definition of the losses. The weights are never shipped with the product.
Layout: a 1x1 'preprocess' conv (RGB in [0, 1] to BGR*255 minus the ImageNet mean), then
conv1_1, conv1_2, max-pool, conv2_1, conv2_2, max-pool, conv3_1; 3x3 convs use reflection
padding and a ReLU. Outputs relu1_1, relu2_1 and relu3_1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nst.errors import OptionError

LAYERS = ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1")
OUTPUTS = ("conv1_1", "conv2_1", "conv3_1")


def build_vgg_encoder(npz_path: str | Path, precision: str = "float32"):
    """Keras model: image NHWC in [0, 1] to [relu1_1, relu2_1, relu3_1]; ``precision`` bfloat16
    computes the convolutions in bfloat16 (outputs too), for training where the CPU has it."""
    from nst.runtime.tf import import_tensorflow

    import_tensorflow()
    import keras

    from nst.nets.layers import ReflectionPad

    path = Path(npz_path)
    if not path.is_file():
        raise OptionError(f"VGG-19 weights not found: {path}")
    weights = np.load(path)
    image = keras.Input((None, None, 3), name="image")
    dtype = "mixed_bfloat16" if precision == "bfloat16" else "float32"
    pre = keras.layers.Conv2D(3, 1, name="preprocess", dtype=dtype)
    x = pre(image)
    pre.set_weights([weights["preprocess/kernel"].transpose(2, 3, 1, 0), weights["preprocess/bias"]])
    outputs = []
    for name in LAYERS:
        if name in ("conv2_1", "conv3_1"):
            x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool_{name}", dtype=dtype)(x)
        kernel = weights[f"{name}/kernel"].transpose(2, 3, 1, 0)  # OIHW to HWIO
        conv = keras.layers.Conv2D(kernel.shape[-1], 3, activation="relu", name=name, dtype=dtype)
        x = conv(ReflectionPad(1)(x))
        conv.set_weights([kernel, weights[f"{name}/bias"]])
        if name in OUTPUTS:
            outputs.append(x)
    model = keras.Model(image, outputs, name="vgg19_relu3_1")
    model.trainable = False
    return model


def style_targets(style_features) -> list[tuple]:
    """(mean, std) per layer of a style image's features, (N, C) each: what :func:`style_loss` matches."""
    from nst.ops.moments import calc_mean_std

    return [calc_mean_std(s, keepdims=False) for s in style_features]


def style_loss(out_features, style_features=None, targets=None):
    """Sum over layers of mean((mu_out - mu_style)^2) + mean((sigma_out - sigma_style)^2); the
    style's side as features, or as :func:`style_targets` computed once."""
    from keras import ops

    from nst.ops.moments import calc_mean_std

    targets = targets if targets is not None else style_targets(style_features)
    total = 0.0
    for o, (ms, ss) in zip(out_features, targets, strict=True):
        mo, so = calc_mean_std(o, keepdims=False)
        total = total + ops.mean(ops.square(mo - ms)) + ops.mean(ops.square(so - ss))
    return total


def content_loss(out_relu3_1, content_relu3_1):
    """mean((relu3_1(out) - relu3_1(content))^2)."""
    from keras import ops

    return ops.mean(ops.square(out_relu3_1 - content_relu3_1))
