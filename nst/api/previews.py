"""Previews of the user's pictures (upload thumbnails, a canvas to paint regions on, the photo
beside the result), decoded one at a time and only as large as they are shown."""

from __future__ import annotations

from PIL import Image

from nst.io import images
from nst.runtime.slots import preview_slots


def preview(source: images.ImageSource, side: int, *, name: str | None = None) -> Image.Image:
    """``source`` upright in RGB, fitted within ``side`` x ``side`` (never enlarged), or an
    :class:`~nst.errors.ImageError` naming the problem; the picture is checked whole as a render
    would check it (a photo too large to stylize is refused here already)."""
    with preview_slots().hold():
        image = images.load_image(source, name=name, reduce=side)
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        return image
