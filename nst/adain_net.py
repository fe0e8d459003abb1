"""The AdaIN network (Huang & Belongie 2017) with a MobileNetV2 encoder, in Keras.

Encoder: the MobileNetV2 trunk of the embedded Magenta style predictor (same weights,
frozen), cut after an expansion layer. Decoder: mirrors it back to pixels with
nearest-neighbour upsampling and reflection-padded 3x3 convolutions (no transposed
convolutions, so no checkerboards). The decoder is the only part we train; its weights
live in ``assets/adain_decoder.npz`` (float16) together with the cut they belong to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nst.errors import EngineUnavailable

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DECODER_FILE = ASSETS / "adain_decoder.npz"

# encoder cut -> downscale factor of its features
CUTS = {
    "MobilenetV2__expanded_conv_3__expand": 4,  # 144 channels at 1/4
    "MobilenetV2__expanded_conv_6__expand": 8,  # 192 channels at 1/8
}
DEFAULT_CUT = "MobilenetV2__expanded_conv_3__expand"
# decoder widths per resolution level, deepest first: level 3 is 1/8, level 0 full size
LEVEL_WIDTHS = {3: (128,), 2: (128, 64), 1: (64, 32), 0: ()}  # full size: only the RGB conv (speed)


def build_encoder(cut: str = DEFAULT_CUT):
    """Image NHWC in [0, 1] (sides a multiple of the cut's factor) to MobileNetV2 features.

    Float32 always: bfloat16 depthwise convolutions were slower here (0.175 s vs 0.126 s at
    1024x1024) and 6.6 % off.
    """
    import keras

    from nst.magenta_net import build_style_predictor

    if cut not in CUTS:
        raise ValueError(f"unknown encoder cut {cut!r}; choose from {', '.join(CUTS)}")
    predictor = build_style_predictor(input_size=None)
    encoder = keras.Model(predictor.input, predictor.get_layer(cut).output, name="adain_encoder")
    encoder.trainable = False
    return encoder


def build_decoder(cut: str = DEFAULT_CUT, precision: str = "float32"):
    """Features at 1/factor to an RGB image (linear output; callers clip to [0, 1])."""
    import keras
    from keras import layers

    from nst.layers import NearestUpsample, ReflectionPad
    from nst.magenta_net import conv_policy

    dtype = conv_policy(precision)
    channels = 144 if CUTS[cut] == 4 else 192
    features = keras.Input((None, None, channels), name="features")
    x = features
    top = int(np.log2(CUTS[cut]))
    for level in range(top, -1, -1):
        if level < top:
            x = NearestUpsample(name=f"up{level}")(x)
        for i, width in enumerate(LEVEL_WIDTHS[level]):
            x = ReflectionPad(1, name=f"pad{level}_{i}")(x)
            x = layers.Conv2D(width, 3, activation="relu", name=f"conv{level}_{i}", dtype=dtype)(x)
    x = ReflectionPad(1, name="pad_rgb")(x)
    x = layers.Conv2D(3, 3, name="rgb", dtype=dtype)(x)
    x = layers.Activation("linear", dtype="float32", name="image")(x)
    return keras.Model(features, x, name="adain_decoder")


def save_decoder(decoder, cut: str, path: str | Path) -> int:
    """Write the decoder's weights as float16 with its encoder cut; returns the file size."""
    path = Path(path)
    arrays = {f"{w.path}": np.asarray(w.numpy(), np.float16) for w in decoder.weights}
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, cut=np.array(cut), **arrays)
    tmp.replace(path)
    return path.stat().st_size


def load_decoder(path: str | Path = DECODER_FILE, precision: str = "float32"):
    """(cut, decoder) from a weights file written by :func:`save_decoder`."""
    path = Path(path)
    if not path.is_file():
        raise EngineUnavailable(f"AdaIN decoder weights not found: {path}")
    with np.load(path, allow_pickle=False) as stored:
        cut = str(stored["cut"])
        decoder = build_decoder(cut, precision)
        missing = [w.path for w in decoder.weights if w.path not in stored]
        if missing:
            raise EngineUnavailable(f"{path} does not fit the AdaIN decoder (missing {missing[0]})")
        for w in decoder.weights:
            w.assign(stored[w.path].astype(np.float32))
    return cut, decoder
