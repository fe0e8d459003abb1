"""The Python API, on the engine contract: ``prepare_style`` once, ``render`` any number of
pictures, or ``stylize`` for both in one call. The CLI and the app call these; none of them
knows an engine by name.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from nst.engines import default_engine, engine_class, engine_names, get_engine
from nst.engines.builtin import BuiltinSpec, parse_builtin
from nst.engines.contract import (
    DEFAULT_SIZE,
    PreparedStyle,
    Regions,
    Settings,
    check_options,
    check_prepared,
    options_from,
)
from nst.errors import OptionError
from nst.io import images
from nst.io.files import write_atomic
from nst.io.sheet import labelled_grid
from nst.ops.color import keep_colors
from nst.ops.masks import DEFAULT_FEATHER, check_aspect, feathered, fitted, inside_outside, normalized
from nst.ops.strokes import carry_detail, resize, stroke_factor, working_size
from nst.runtime.progress import CancelToken, ProgressCallback, as_cancel_token, in_parts
from nst.runtime.slots import inference_slots
from nst.runtime.tf import release_memory

StyleInput = images.ImageSource | Sequence[images.ImageSource] | None


def normalize_weights(weights: Sequence[float] | None, count: int) -> np.ndarray:
    """Blend weights for ``count`` styles: equal by default, else non-negative and summing to 1."""
    if weights is None:
        return np.full(count, 1.0 / count, np.float32)
    try:
        array = np.asarray([float(w) for w in weights], dtype=np.float64)
    except (TypeError, ValueError):
        raise OptionError("style weights must be numbers") from None
    if array.size != count:
        raise OptionError(f"got {array.size} style weights for {count} style images")
    if not np.all(np.isfinite(array)) or (array < 0).any() or array.sum() <= 0:
        raise OptionError("style weights must be non-negative numbers, not all zero")
    return (array / array.sum()).astype(np.float32)


def resolve_engine(engine: str | None, style: StyleInput, preset: BuiltinSpec | None) -> str:
    """``engine=None``: the default engine for built-in styles when ``preset`` is given, else the
    default engine for style images; an engine given the wrong kind of style is an error."""
    name = engine or default_engine("builtin" if preset is not None else "images")
    if engine_class(name).takes == "builtin":
        if preset is None:
            raise OptionError(f"engine {name!r} needs a preset number, e.g. 7 or 3:0.5,12:0.5")
        if style is not None:
            raise OptionError(f"engine {name!r} uses built-in styles; give a preset or style images, not both")
    elif preset is not None:
        raise OptionError(f"engine {name!r} takes style images; presets belong to engine {default_engine('builtin')!r}")
    return name


def _style_list(style: StyleInput) -> list:
    if style is None:
        return []
    return list(style) if isinstance(style, (list, tuple)) else [style]


def style_inputs(name: str, style: StyleInput, preset, style_weights) -> tuple[list, np.ndarray]:
    """What engine ``name``'s ``prepare`` takes: decoded style images or built-in indices, and
    normalized weights; every mistake in them is found here, before a model loads."""
    cls = engine_class(name)
    if cls.takes == "builtin":
        if style_weights is not None:
            raise OptionError("style weights blend style images; blend presets as 3:0.7,12:0.3")
        return parse_builtin(preset, len(cls.builtin_styles), cls.learned_styles)
    style_list = _style_list(style)
    if not style_list:
        raise OptionError(f"engine {name!r} needs at least one style image")
    weights = normalize_weights(style_weights, len(style_list))
    labels = [f"style {i + 1}" if len(style_list) > 1 else "style" for i in range(len(style_list))]
    return [images.load_image(s, name=label) for s, label in zip(style_list, labels, strict=True)], weights


def check_region_count(name: str, count: int) -> None:
    """A mask takes one style or two, and two only with an engine that paints regions."""
    if not 1 <= count <= 2:
        raise OptionError("a mask takes one style (inside; the photo outside) or two (inside, outside)")
    if count == 2 and not engine_class(name).paints_regions:
        able = ", ".join(n for n in engine_names() if engine_class(n).paints_regions)
        raise OptionError(f"engine {name!r} cannot paint two styles by region yet; use {able}")


def region_inputs(name: str, style: StyleInput, preset) -> list[tuple[list, np.ndarray]]:
    """Engine ``name``'s ``prepare`` inputs for each region of a mask, inside first: one style
    (the outside keeps the photo) or two. Built-in styles: ``7``, ``[7, 19]`` or ``"7,19"``."""
    cls = engine_class(name)
    if cls.takes == "builtin":
        parts = [p.strip() for p in preset.split(",")] if isinstance(preset, str) else preset
        specs = list(parts) if isinstance(parts, (list, tuple)) else [parts]
    else:
        specs = _style_list(style)
    check_region_count(name, len(specs))
    if cls.takes == "builtin":
        return [parse_builtin(spec, len(cls.builtin_styles), cls.learned_styles) for spec in specs]
    labels = ["inside style", "outside style"][: len(specs)]
    return [([images.load_image(s, name=n)], np.ones(1, np.float32)) for s, n in zip(specs, labels, strict=True)]


def load_mask(mask: images.ImageSource, picture: Image.Image, feather: float) -> np.ndarray:
    """HxW inside weights for ``picture`` from a mask image (white: inside), feathered."""
    image = images.load_image(mask, name="mask")
    check_aspect(image.size, picture.size)
    width, height = picture.size
    weights = fitted(np.asarray(image.convert("L"), np.float32) / 255.0, height, width)
    return feathered(weights, feather)


def _regions(inside: np.ndarray | None, styles: Sequence[PreparedStyle | None]) -> Regions | None:
    """Inside weights and (inside style, outside style or None for the photo) as regions; None without a mask."""
    return None if inside is None else Regions(inside_outside(inside), (*styles, None)[:2])


def prepare_style(
    style: StyleInput = None,
    *,
    engine: str | None = None,
    preset: BuiltinSpec | None = None,
    style_weights: Sequence[float] | None = None,
    on_queue: Callable[[int], None] | None = None,
    **config: Any,
) -> PreparedStyle:
    """One style image, a weighted blend of several, or built-in styles (``preset=7`` or
    ``"3:0.5,12:0.5"``), prepared once for ``engine`` (e.g. every frame of a video).
    ``config``: the engine's own settings (e.g. ``hub_handle``)."""
    name = resolve_engine(engine, style, preset)
    styles, weights = style_inputs(name, style, preset, style_weights)
    return prepare_inputs(name, styles, weights, on_queue=on_queue, **config)


def prepare_inputs(
    name: str, styles: list, weights: np.ndarray, *, on_queue: Callable[[int], None] | None = None, **config: Any
) -> PreparedStyle:
    """Engine ``name``'s ``prepare`` on inputs from :func:`style_inputs`, in an inference slot."""
    runner = get_engine(name, **config)
    with inference_slots().hold(on_queue):
        return runner.prepare(styles, weights)


def render(
    content: images.ImageSource,
    style: PreparedStyle,
    settings: Settings | None = None,
    *,
    mask: images.ImageSource | None = None,
    feather: float = DEFAULT_FEATHER,
    outside: PreparedStyle | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | Callable[[], bool] | None = None,
    on_queue: Callable[[int], None] | None = None,
    **config: Any,
) -> Image.Image:
    """``content`` painted in a prepared style: fitted to ``settings.size``, rendered by the
    style's engine in an inference slot, and with the photo's colours kept if asked. With a
    ``mask`` (see :func:`stylize`): ``style`` inside, and ``outside`` (prepared for the same
    engine) or the photo outside."""
    if not isinstance(style, PreparedStyle):
        raise OptionError(f"expected a PreparedStyle, got {type(style).__name__}")
    if outside is not None:
        check_prepared(outside, style.engine)
    settings = settings or Settings()
    runner = get_engine(style.engine, **config)
    settings = dataclasses.replace(settings, options=check_options(runner.options_type, settings.options, style.engine))
    picture = _picture(content, settings.size, settings.upscale)
    regions = _regions(None if mask is None else load_mask(mask, picture, feather), [style, outside])
    with inference_slots().hold(on_queue):
        painted = None if regions is not None else style
        return _render(runner, picture, painted, settings, progress, as_cancel_token(cancel), regions)


def _picture(content: images.ImageSource, size: int, upscale: bool = False) -> Image.Image:
    """The content decoded and fitted to the long side ``size``."""
    return images.fit(images.load_image(content, name="content"), size, upscale=upscale)


def _render(runner, picture: Image.Image, style, settings: Settings, progress, cancel, regions=None) -> Image.Image:
    try:
        pixels = images.to_array(picture)
        return images.from_array(render_array(runner, pixels, style, settings, progress, cancel, regions=regions))
    finally:
        release_memory()


def render_array(
    runner,
    pixels: np.ndarray,
    style: PreparedStyle | None,
    settings: Settings,
    progress=None,
    cancel=None,
    guide=None,
    regions: Regions | None = None,
) -> np.ndarray:
    """An engine's render of float HxWx3 ``pixels`` (already at output size), with the photo's
    colours kept if asked; ``guide`` (a video frame's warped past) goes to engines that take it;
    ``regions`` (instead of ``style``) paints styles by region."""
    extra = {"guide": guide} if guide is not None and runner.takes_guide else {}

    def paint(part: np.ndarray, part_progress) -> np.ndarray:
        if regions is None:
            return runner.render(part, style, settings, progress=part_progress, cancel=cancel, **extra)
        return paint_regions(runner, part, regions, settings, part_progress, cancel)

    height, width = pixels.shape[:2]
    factor = 1.0 if runner.scales_strokes else stroke_factor(max(height, width), settings.stroke_scale)
    if factor == 1.0:
        out = paint(pixels, progress)
    else:  # the strokes' scale from a working-size render, the fine detail from a full-size one
        small = resize(pixels, *working_size(height, width, factor))
        share = 1.0 / (1.0 + factor * factor)  # of the pixels to paint
        brush, detail = in_parts(progress, [share, 1.0 - share], ["brush strokes", "fine detail"])
        out = carry_detail(paint(small, brush), paint(pixels, detail))
    if settings.preserve_color:
        out = keep_colors(out, pixels)
    return out


def paint_regions(runner, pixels: np.ndarray, regions: Regions, settings: Settings, progress, cancel) -> np.ndarray:
    """Styled regions painted in one pass by the engine (blended inside its network); regions
    that keep the photo take the photo's pixels through their feathered border."""
    height, width = pixels.shape[:2]
    masks = np.stack([fitted(regions.masks[..., k], height, width) for k in range(len(regions.styles))], axis=-1)
    styled = [k for k, s in enumerate(regions.styles) if s is not None]
    if not styled:
        return pixels
    if len(styled) == 1:
        out = runner.render(pixels, regions.styles[styled[0]], settings, progress=progress, cancel=cancel)
    else:
        styles = [regions.styles[k] for k in styled]
        out = runner.render_regions(
            pixels, styles, normalized(masks[..., styled]), settings, progress=progress, cancel=cancel
        )
    photo = np.clip(1.0 - masks[..., styled].sum(axis=-1, keepdims=True), 0.0, 1.0)
    return out * (1.0 - photo) + pixels * photo


def engine_choices(name: str, options: Any, engine_values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Engine ``name``'s checked options (an options object, or its fields by name among
    ``engine_values``) and its configuration (the rest of ``engine_values``, e.g. ``hub_handle``)."""
    cls = engine_class(name)
    config = {k: v for k, v in engine_values.items() if k in cls.config_options}
    option_values = {k: v for k, v in engine_values.items() if k not in config}
    if option_values:
        if options is not None:
            raise OptionError("give the engine's options as one object or by name, not both")
        options = options_from(cls.options_type, name, option_values)
    return check_options(cls.options_type, options, name), config


def stylize(
    content: images.ImageSource,
    style: StyleInput = None,
    *,
    engine: str | None = None,
    strength: float = 1.0,
    size: int = DEFAULT_SIZE,
    preserve_color: bool = False,
    style_weights: Sequence[float] | None = None,
    upscale: bool = False,
    preset: BuiltinSpec | None = None,
    stroke_scale: float = 1.0,
    mask: images.ImageSource | None = None,
    feather: float = DEFAULT_FEATHER,
    options: Any = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | Callable[[], bool] | None = None,
    on_queue: Callable[[int], None] | None = None,
    **engine_values: Any,
) -> Image.Image:
    """Stylize ``content`` with one style image or a weighted blend of several, or with
    built-in styles: ``preset=7`` or a blend ``preset="3:0.5,12:0.5"``.

    With a ``mask`` (an image of the photo's shape, white inside): the first style inside and the
    second outside (``preset="7,19"`` or ``[7, 19]``), or the photo outside when only one is
    given; borders soften over ``feather`` times the long side. The styles meet inside the
    network, so the border is painted in one piece.

    ``size`` is the long side of the result in pixels (never larger than the content unless
    ``upscale``); ``strength`` in [0, 1] fades the style in; ``preserve_color`` keeps the
    content's colours; ``stroke_scale`` is the brush size (1: strokes as large, relative to the
    picture, as in a 1024 px result, at any size; 2: twice as large). An engine's own options
    come as its options object (``options=``) or by field name (``iterations=50`` for ``gatys``),
    and its configuration by name too (``hub_handle=...`` for ``magenta-hub``). ``progress(Progress)`` is told tiles or
    iterations done; ``cancel`` (a :class:`CancelToken` or a function returning True) stops early.
    ``on_queue(position)`` is called if the call must wait for a free inference slot.
    Bad images raise :class:`nst.ImageError`, bad settings :class:`nst.OptionError`, an engine
    that cannot run here :class:`nst.EngineUnavailable`.
    """
    settings = Settings(strength, size, preserve_color, upscale, stroke_scale=stroke_scale)
    name = resolve_engine(engine, style, preset)
    options, config = engine_choices(name, options, engine_values)
    settings = dataclasses.replace(settings, options=options)
    if mask is not None:
        if style_weights is not None:
            raise OptionError("with a mask each region has one style; style weights do not apply")
        inputs = region_inputs(name, style, preset)
    else:
        inputs = [style_inputs(name, style, preset, style_weights)]
    picture = _picture(content, size, upscale)
    inside = None if mask is None else load_mask(mask, picture, feather)
    runner = get_engine(name, **config)
    with inference_slots().hold(on_queue):
        prepared = [runner.prepare(styles, weights) for styles, weights in inputs]
        regions = _regions(inside, prepared)
        painted = None if regions is not None else prepared[0]
        return _render(runner, picture, painted, settings, progress, as_cancel_token(cancel), regions)


def builtin_styles() -> list[str]:
    """Names of the built-in styles (of the default engine for built-in styles), index order."""
    return list(engine_class(default_engine("builtin")).builtin_styles)


def builtin_label(index: int) -> str:
    return f"#{index} {builtin_styles()[index]}"


def preset_gallery(content: images.ImageSource, *, size: int = 192) -> list[Image.Image]:
    """All built-in styles on ``content`` at thumbnail size, index order (for galleries)."""
    Settings(size=size)  # validates the size
    return _gallery(_picture(content, size))


def _gallery(small: Image.Image) -> list[Image.Image]:
    runner = get_engine(default_engine("builtin"))
    with inference_slots().hold():
        return runner.render_builtins(images.to_array(small))


def preset_sheet(content: images.ImageSource, *, size: int = 256) -> Image.Image:
    """The photo and all built-in styles on it (long side ``size``), labelled, in one picture."""
    Settings(size=size)  # validates the size
    small = _picture(content, size)
    tiles = _gallery(small)
    return labelled_grid([("original", small)] + [(builtin_label(i), t) for i, t in enumerate(tiles)])


def export_models(directory: str | os.PathLike, engine: str, fmt: str, *, float16: bool = False) -> list[Path]:
    """Write an engine's models in format ``fmt`` into ``directory`` (each file whole or not at all)."""
    cls = engine_class(engine)
    exportable = [n for n in engine_names() if engine_class(n).export_formats]
    if not cls.export_formats:
        raise OptionError(f"engine {engine!r} does not export models; these do: {', '.join(exportable)}")
    if fmt not in cls.export_formats:
        raise OptionError(f"engine {engine!r} exports {', '.join(cls.export_formats)}, not {fmt!r}")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{folder} exists and is not a folder")
    models = cls.export_models(fmt, float16)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_atomic(folder / name, data) for name, data in models.items()]


MAX_LEARN_PHOTOS = 200  # photos a style is learned on; more only cost memory
VIDEO_FRAMES = 24  # frames taken, evenly spread, from a clip a style is learned on


def source_label(source: Any, role: str) -> str:
    """How an input is named in an error: its role and, when it is a file, the file's name."""
    return f"{role} {Path(source).name}" if isinstance(source, str | os.PathLike) else role


def learning_photos(photos: Sequence[images.ImageSource] | None = None, video: Any = None) -> list[Image.Image]:
    """The photos a style is learned on: the given ones (the first ``MAX_LEARN_PHOTOS``), or
    ``VIDEO_FRAMES`` frames spread over a clip."""
    if photos:
        chosen = list(photos)[:MAX_LEARN_PHOTOS]
        return [images.load_image(p, name=source_label(p, f"photo {i + 1}")) for i, p in enumerate(chosen)]
    if video is not None:
        from nst.io.video import VideoReader

        frames = []
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
    from nst.styles.learned import check_name
    from nst.styles.library import StyleLibrary
    from nst.training.own_style import LearnSettings
    from nst.training.own_style import learn_style as learn

    check_name(name)
    library = StyleLibrary()
    if save and not replace:
        library.check_free(name)
    defaults = LearnSettings()
    settings = LearnSettings(steps=steps or defaults.steps, size=size or defaults.size)
    art = images.load_image(painting, name=source_label(painting, "painting"))
    pictures = learning_photos(photos, video)
    shown = images.fit(images.load_image(preview, name="preview"), 384) if preview is not None else None
    with inference_slots().hold():
        style = learn(
            art, pictures, name=name, settings=settings, vgg=vgg, preview=shown, progress=progress,
            cancel=as_cancel_token(cancel), on_best=on_best,
        )  # fmt: skip
    if save:
        library.add(style, replace=replace)
    return style


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
