"""TFLite export of the ``adain`` engine for phones and low-end devices.

Two models, as a mobile app uses them: ``adain_style.tflite`` turns a style image into its
feature statistics (run once per style; blend several by averaging them), and
``adain_transfer.tflite`` turns a content image plus those statistics and the strength into
the stylized image (which then takes the style's colour mean and covariance and its texture
contrast per scale, as in the engine). Both take any image size (resize the input tensor
before allocating).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("tflite",)


@dataclass
class Exported:
    path: Path
    bytes: int


def tflite_models(engine, float16: bool = False) -> dict[str, bytes]:
    """{file name: TFLite flatbuffer} for an :class:`~nst.adain_engine.AdaINEngine`."""
    from nst.tf_runtime import import_tensorflow

    tf = import_tensorflow()
    import keras

    from nst.adain import color_statistics, level_statistics
    from nst.adain_engine import BORDER
    from nst.adain_net import encode as encoder_features
    from nst.bands import LEVELS, band_contrast

    def image(name: str):
        return tf.TensorSpec([1, None, None, 3], tf.float32, name=name)

    # per level: mean and std, (1, 1, 1, channels) each; then colour statistics, band contrast, strength
    stat_names = [f"style_{kind}{level}" for level in range(engine.levels) for kind in ("mean", "std")]
    channels = [output.shape[-1] for output in engine._encoder.outputs for _ in ("mean", "std")]
    stats = [tf.TensorSpec([1, 1, 1, c], tf.float32, name=n) for n, c in zip(stat_names, channels, strict=True)]
    colour = [
        tf.TensorSpec([3], tf.float32, name="style_color_mean"),
        tf.TensorSpec([3, 3], tf.float32, name="style_color_cov"),
        tf.TensorSpec([LEVELS, 3], tf.float32, name="style_band_contrast"),
    ]
    scalar = tf.TensorSpec([], tf.float32, name="strength")

    def encode(image):
        """The engine's encoder input: mirrored border, sides a multiple of the stride (AdaINEngine._padded)."""
        height, width = tf.shape(image)[1], tf.shape(image)[2]
        b = BORDER
        extra_h, extra_w = -(height + 2 * b) % engine.factor, -(width + 2 * b) % engine.factor
        padded = tf.pad(image, [[0, 0], [b, b + extra_h], [b, b + extra_w], [0, 0]], "REFLECT")
        padded = tf.reshape(padded, [1, height + 2 * b + extra_h, width + 2 * b + extra_w, 3])  # TFLite: 3 channels
        return encoder_features(engine._encoder, padded)

    def style(style_image):
        color_mean, color_cov = color_statistics(style_image)
        named = dict(zip(stat_names, level_statistics(encode(style_image)), strict=True))
        contrast = band_contrast(style_image)
        return {**named, "style_color_mean": color_mean, "style_color_cov": color_cov, "style_band_contrast": contrast}

    def transfer(content_image, *args):
        *style, strength = args  # AdaINEngine.style_statistics' order
        features = encode(content_image)
        out = engine._transfer(features, level_statistics(features), style[: 2 * engine.levels], strength)
        height, width = tf.shape(content_image)[1], tf.shape(content_image)[2]
        out = out[:, BORDER : BORDER + height, BORDER : BORDER + width]
        transform = engine._color_plan(out, content_image, style, strength)
        return {"image": engine._finish(out, transform, style, strength)[0]}

    models = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, function, signature in (
            ("adain_style.tflite", style, [image("style_image")]),
            ("adain_transfer.tflite", transfer, [image("content_image"), *stats, *colour, scalar]),
        ):
            archive = keras.export.ExportArchive()  # tracks the Keras variables, so they become constants
            archive.track(engine._encoder)
            archive.track(engine._decoder)
            archive.add_endpoint("serving_default", function, input_signature=signature)
            saved = Path(scratch) / name
            archive.write_out(str(saved), verbose=False)
            converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
            if float16:
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
                converter.target_spec.supported_types = [tf.float16]
            models[name] = converter.convert()
    return models


def export(
    directory: str | Path, engine_name: str = "adain", fmt: str = "tflite", float16: bool = False
) -> list[Exported]:
    """Write the engine's mobile models into ``directory``; each file is written whole or not at all."""
    from nst.adain_engine import AdaINEngine
    from nst.errors import OptionError

    if engine_name != "adain":
        raise OptionError(f"only engine 'adain' exports to mobile formats, not {engine_name!r}")
    if fmt not in FORMATS:
        raise OptionError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{folder} exists and is not a folder")
    models = tflite_models(AdaINEngine(precision="float32"), float16)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in models.items():
        path = folder / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        written.append(Exported(path, len(data)))
    return written
