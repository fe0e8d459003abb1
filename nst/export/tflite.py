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
from pathlib import Path


def tflite_models(network, float16: bool = False) -> dict[str, bytes]:
    """{file name: TFLite flatbuffer} for an :class:`~nst.nets.adain.AdaINNetwork`."""
    from nst.runtime.tf import import_tensorflow

    tf = import_tensorflow()
    import keras

    from nst.ops.bands import LEVELS

    def image(name: str):
        return tf.TensorSpec([1, None, None, 3], tf.float32, name=name)

    # per level: mean and std, (1, 1, 1, channels) each; then colour statistics, band and detail contrast, strength
    stat_names = [f"style_{kind}{level}" for level in range(network.levels) for kind in ("mean", "std")]
    channels = [c for c in network.level_channels for _ in ("mean", "std")]
    stats = [tf.TensorSpec([1, 1, 1, c], tf.float32, name=n) for n, c in zip(stat_names, channels, strict=True)]
    colour = [
        tf.TensorSpec([3], tf.float32, name="style_color_mean"),
        tf.TensorSpec([3, 3], tf.float32, name="style_color_cov"),
        tf.TensorSpec([LEVELS, 3], tf.float32, name="style_band_contrast"),
        tf.TensorSpec([3], tf.float32, name="style_detail_contrast"),
    ]
    scalar = tf.TensorSpec([], tf.float32, name="strength")
    names = [*stat_names, "style_color_mean", "style_color_cov", "style_band_contrast", "style_detail_contrast"]

    def style(style_image):
        return dict(zip(names, network.style_statistics(style_image), strict=True))

    def transfer(content_image, *args):
        *statistics, strength = args  # the network's statistics order
        return {"image": network.whole_picture(content_image, tuple(statistics), strength)}

    models = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, function, signature in (
            ("adain_style.tflite", style, [image("style_image")]),
            ("adain_transfer.tflite", transfer, [image("content_image"), *stats, *colour, scalar]),
        ):
            archive = keras.export.ExportArchive()  # tracks the Keras variables, so they become constants
            archive.track(network.encoder)
            archive.track(network.decoder)
            archive.add_endpoint("serving_default", function, input_signature=signature)
            saved = Path(scratch) / name
            archive.write_out(str(saved), verbose=False)
            converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
            if float16:
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
                converter.target_spec.supported_types = [tf.float16]
            models[name] = converter.convert()
    return models
