"""Feature networks for optimization-based style transfer (Gatys): ImageNet VGG-19, or offline our
embedded MobileNetV2 trunk.

VGG-19 weights come from ``keras.applications`` (downloaded once into the Keras cache when
online) or from a local file named by ``NST_VGG19_WEIGHTS``. Offline with neither, we fall
back at once (a 3 s reachability probe, never a hanging download) to the MobileNetV2 of the
embedded Magenta style predictor, and say so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nst.errors import EngineUnavailable
from nst.runtime.network import download_blocked

WEIGHTS_ENV = "NST_VGG19_WEIGHTS"
VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
DOWNLOAD_HOST = "storage.googleapis.com"

# Gatys et al. 2015: content relu4_2, style relu1_1 .. relu5_1 (Keras conv layers include the ReLU).
VGG_CONTENT = "block4_conv2"
VGG_STYLE = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
# MobileNetV2 stand-ins at the same depths (strides 2, 4, 8, 16 and 16; post-ReLU6 expansions).
MOBILENET_CONTENT = "MobilenetV2__expanded_conv_6__expand"
MOBILENET_STYLE = (
    "MobilenetV2__Conv",
    "MobilenetV2__expanded_conv_1__expand",
    "MobilenetV2__expanded_conv_3__expand",
    "MobilenetV2__expanded_conv_6__expand",
    "MobilenetV2__expanded_conv_13__expand",
)


@dataclass
class FeatureNet:
    """``model(image in [0, 1], NHWC)`` returns ``[content features, *style features]``."""

    name: str
    model: Any  # a Keras model
    note: str


def keras_cache_file() -> Path:
    root = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return root / "models" / VGG19_FILE


def vgg19_weights_source() -> str | None:
    """A local weights file, or "imagenet" when a download can work, or None when offline."""
    from nst.config import config

    local = config().vgg19_weights
    if local:
        if not Path(local).is_file():
            raise EngineUnavailable(f"{WEIGHTS_ENV}={local}: no such file")
        return str(local)
    if keras_cache_file().is_file():
        return str(keras_cache_file())
    return None if download_blocked(DOWNLOAD_HOST) else "imagenet"


def build_vgg19(weights: str):
    import keras

    vgg = keras.applications.VGG19(include_top=False, weights=weights)
    vgg.trainable = False
    image = keras.Input((None, None, 3))
    # keras' VGG preprocessing: RGB [0, 255] to BGR minus the ImageNet mean
    bgr = keras.ops.flip(image * 255.0, axis=-1) - keras.ops.convert_to_tensor([103.939, 116.779, 123.68])
    features = keras.Model(vgg.input, [vgg.get_layer(n).output for n in (VGG_CONTENT, *VGG_STYLE)])
    return keras.Model(image, features(bgr), name="vgg19_features")


def build_mobilenet_trunk():
    import keras

    from nst.nets.magenta import build_style_predictor

    predictor = build_style_predictor(input_size=None)
    predictor.trainable = False
    outputs = [predictor.get_layer(n).output for n in (MOBILENET_CONTENT, *MOBILENET_STYLE)]
    return keras.Model(predictor.input, outputs, name="mobilenetv2_features")


def load_feature_net() -> FeatureNet:
    """VGG-19 when its weights can be had, else the embedded MobileNetV2 (with a note saying so)."""
    from nst.runtime.tf import import_tensorflow

    import_tensorflow()
    source = vgg19_weights_source()
    if source is not None:
        try:
            return FeatureNet("vgg19", build_vgg19(source), "features: ImageNet VGG-19")
        except Exception as exc:  # a failed download or a bad file: fall back, and say why
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            note = f"VGG-19 weights could not be loaded ({reason[:120]}); using the embedded MobileNetV2 features"
            return FeatureNet("mobilenetv2", build_mobilenet_trunk(), note)
    note = (
        "VGG-19 weights are not available offline (set NST_VGG19_WEIGHTS to a local copy); "
        "using the embedded MobileNetV2 features instead"
    )
    return FeatureNet("mobilenetv2", build_mobilenet_trunk(), note)
