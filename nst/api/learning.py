"""Learning a new fast style from a painting, and the user's library of learned styles."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from nst.api.rendering import source_label
from nst.errors import OptionError
from nst.io import images
from nst.runtime.progress import CancelToken, ProgressCallback, as_cancel_token
from nst.runtime.slots import inference_slots

MAX_LEARN_PHOTOS = 200  # photos a style is learned on; more only cost memory
VIDEO_FRAMES = 24  # frames taken, evenly spread, from a clip a style is learned on


def learning_photos(photos: Sequence[images.ImageSource] | None = None, video: Any = None) -> list[Image.Image]:
    """The photos a style is learned on: the given ones (the first ``MAX_LEARN_PHOTOS``), or
    ``VIDEO_FRAMES`` frames spread over a clip."""
    if photos:
        chosen = list(photos)[:MAX_LEARN_PHOTOS]
        return [images.load_image(p, name=source_label(p, f"photo {i + 1}")) for i, p in enumerate(chosen)]
    if video is not None:
        from nst.io.video import VideoReader

        frames: list[Image.Image] = []
        with VideoReader(video) as reader:  # every frame is decoded (a broken clip is refused), few are held
            step = max(1, reader.info.frames // VIDEO_FRAMES)
            for i, pixels in enumerate(reader.frames()):
                if i % step == 0 and len(frames) < VIDEO_FRAMES:
                    frames.append(Image.fromarray(pixels))
        return frames
    raise OptionError("learning a style needs photos (a folder or a list) or a video to learn it on")


def learn_style(
    painting: images.ImageSource,
    photos: Sequence[images.ImageSource] | None = None,
    *,
    name: str,
    video: Any = None,
    steps: int | None = None,
    size: int | None = None,
    vgg: str | os.PathLike | None = None,
    preview: images.ImageSource | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | Callable[[], bool] | None = None,
    save: bool = False,
    replace: bool = False,
    on_best: Callable | None = None,
):
    """Learn a new fast style from ``painting`` for the ``preset`` network (Dumoulin et al. 2017:
    only its scales and shifts are trained), on ``photos`` or a ``video``'s frames; returns a
    :class:`~nst.styles.learned.LearnedStyle` (``to_bytes()`` for a file). ``save`` adds it to
    the user's library, after which ``preset=name`` paints with it anywhere. ``vgg``: the
    VGG-19 relu3_1 ``.npz`` for the losses (else VGG-19 or MobileNetV2, see
    :mod:`nst.training.own_style`). Cancelling keeps the best code so far; ``on_best`` is told
    each better style as it is found."""
    from nst.runtime.tf import import_tensorflow
    from nst.styles.learned import check_name
    from nst.styles.library import StyleLibrary

    check_name(name)
    library = StyleLibrary()
    if save and not replace:
        library.check_free(name)
    import_tensorflow()  # quietly, before the training modules import it
    from nst.training.own_style import LearnSettings
    from nst.training.own_style import learn_style as learn

    defaults = LearnSettings()
    settings = LearnSettings(steps=steps or defaults.steps, size=size or defaults.size)
    art = images.load_image(painting, name=source_label(painting, "painting"))
    pictures = learning_photos(photos, video)
    shown = images.fit(images.load_image(preview, name="preview"), 384) if preview is not None else None
    with inference_slots().hold():
        style = learn(
            art, pictures, name=name, settings=settings, vgg=None if vgg is None else Path(vgg), preview=shown,
            progress=progress, cancel=as_cancel_token(cancel), on_best=on_best,
        )  # fmt: skip
    check_keeps_photo(style, art, pictures)
    if save:
        library.add(style, replace=replace)
    return style


PALE_LIMIT = 0.05  # of the picture: pale patches a user sees at once
CHECK_PHOTOS, CHECK_SIDE = 4, 256


def lost_photo_warning(name: str, share: float, reference: float | None, engine: str = "") -> str | None:
    """One line when the learned style paints the photo's dark parts pale: over 5 % of the
    picture and over twice what ``engine`` (the default engine for paintings) paints there with
    the same painting (a pale painting paints them pale in every engine); None when it keeps
    the photo."""
    if share <= PALE_LIMIT or (reference is not None and share <= 2 * reference):
        return None
    against = f" ({engine}: {reference:.0%})" if reference is not None else ""
    return (
        f"the style {name!r} paints {share:.0%} of the picture pale where the photo is dark{against}: it loses "
        "the photo; try other photos to learn on, or another painting"
    )


def check_keeps_photo(style: Any, painting: Image.Image, photos: Sequence[Image.Image]) -> None:
    """Paint a few of the photos with the learned style and with the default engine for
    paintings, measure the pale patches of each (:func:`~nst.ops.color.pale_share`) into
    ``style.settings``, and a warning there when the learned style loses the photo."""
    from nst.api.rendering import stylize
    from nst.engines import default_engine
    from nst.errors import NSTError
    from nst.ops.color import pale_share

    samples = [images.fit(p.convert("RGB"), CHECK_SIDE) for p in photos[:CHECK_PHOTOS]]

    def share(**how: Any) -> float:
        return float(
            np.mean(
                [pale_share(images.to_array(p), images.to_array(stylize(p, size=CHECK_SIDE, **how))) for p in samples]
            )
        )

    learned = share(preset=style)
    engine = default_engine("images")
    try:
        reference: float | None = share(style=painting, engine=engine)
    except NSTError:  # it cannot run here: the absolute limit alone
        reference = None
    style.settings["pale_share"] = round(learned, 4)
    if reference is not None:
        style.settings["pale_share_reference"] = round(reference, 4)
        style.settings["reference_engine"] = engine
    warning = lost_photo_warning(style.name, learned, reference, engine)
    if warning:
        style.settings["warning"] = warning


def learned_styles() -> list:
    """The user's learned styles (:class:`~nst.styles.learned.LearnedStyle`), by name."""
    from nst.styles.library import StyleLibrary

    return StyleLibrary().styles()


def add_style(data: bytes, *, source: str = "style file", replace: bool = False):
    """Add a style file's contents (``LearnedStyle.to_bytes()``) to the library; checked first."""
    from nst.styles.learned import LearnedStyle
    from nst.styles.library import StyleLibrary

    style = LearnedStyle.from_bytes(data, source)
    StyleLibrary().add(style, replace=replace)
    return style


def remove_style(name: str) -> None:
    from nst.styles.library import StyleLibrary

    StyleLibrary().remove(name)
