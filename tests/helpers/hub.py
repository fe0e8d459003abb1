"""A SavedModel with the official TF-Hub Magenta model's signature, for the ``magenta-hub`` engine's
real loading code without a download: it runs our embedded network inside."""

from __future__ import annotations

from pathlib import Path


def export_hub_like(folder: Path) -> Path:
    """Write the model to ``folder`` (``content_image``, ``style_image``, float32 in [0, 1],
    returning a list whose first item is the image) and return the folder."""
    import tensorflow as tf

    from nst.nets.magenta import build_style_predictor, build_transformer

    class HubLikeModule(tf.Module):
        def __init__(self):
            super().__init__()
            self.predictor = build_style_predictor()
            self.transformer = build_transformer()

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None, None, 3], tf.float32, name="content_image"),
                tf.TensorSpec([None, None, None, 3], tf.float32, name="style_image"),
            ]
        )
        def __call__(self, content_image, style_image):
            vector = self.predictor(tf.image.resize(style_image, (256, 256)))
            return [self.transformer([content_image, vector])]

    tf.saved_model.save(HubLikeModule(), str(folder))
    return folder
