"""The built-in styles shown whole: their names, a gallery of them on a photo, a labelled sheet."""

from __future__ import annotations

from PIL import Image

from nst.engines import default_engine, describe, get_engine
from nst.engines.contract import Settings
from nst.io import images
from nst.io.sheet import labelled_grid
from nst.runtime.slots import inference_slots


def builtin_styles() -> list[str]:
    """Names of the built-in styles (of the default engine for built-in styles), index order."""
    return list(describe(default_engine("builtin")).builtin_styles)


def builtin_label(index: int) -> str:
    return f"#{index} {builtin_styles()[index]}"


def preset_gallery(content: images.ImageSource, *, size: int = 192) -> list[Image.Image]:
    """All built-in styles on ``content`` at thumbnail size, index order (for galleries)."""
    Settings(size=size)  # validates the size
    return _gallery(content, size)


def _gallery(content: images.ImageSource, size: int) -> list[Image.Image]:
    runner = get_engine(default_engine("builtin"))
    with inference_slots().hold():  # decoded inside the slot, as every request is
        return runner.render_builtins(images.to_array(_small(content, size)))


def _small(content: images.ImageSource, size: int) -> Image.Image:
    return images.fit(images.load_image(content, name="content"), size)


def preset_sheet(content: images.ImageSource, *, size: int = 256) -> Image.Image:
    """The photo and all built-in styles on it (long side ``size``), labelled, in one picture."""
    Settings(size=size)  # validates the size
    tiles = _gallery(content, size)
    small = _small(content, size)
    return labelled_grid([("original", small)] + [(builtin_label(i), t) for i, t in enumerate(tiles)])
