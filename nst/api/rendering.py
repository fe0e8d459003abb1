"""Rendering: ``prepare_style`` once, ``render`` any number of pictures, or ``stylize`` (a
request) for both. Each runs inside one admitted slot from decoding its pictures to its
finished picture, so memory and CPU are bounded by admission, and a cancelled request stops
while it waits, between tiles or iterations."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from nst.engines import describe, get_engine
from nst.engines.builtin import BuiltinSpec
from nst.engines.contract import PreparedStyle, Regions, Settings, check_prepared
from nst.errors import NSTError, OptionError
from nst.io import images
from nst.ops.color import keep_colors
from nst.ops.masks import check_aspect, feathered, fitted, inside_outside, normalized
from nst.ops.strokes import carry_detail, resize, stroke_factor, working_size
from nst.request import rules
from nst.request.model import Request, engine_choices
from nst.request.rules import DEFAULT_FEATHER, DEFAULT_SIZE
from nst.runtime.progress import CancelToken, ProgressCallback, as_cancel_token, check_cancel, in_parts
from nst.runtime.slots import inference_slots
from nst.runtime.tf import release_memory

StyleInput = images.ImageSource | Sequence[images.ImageSource] | None
Cancel = CancelToken | Callable[[], bool] | None


def style_list(style: StyleInput) -> list:
    if style is None:
        return []
    return list(style) if isinstance(style, (list, tuple)) else [style]


def prepared_styles(runner: Any, request: Request) -> tuple[PreparedStyle, ...]:
    """Each region's style prepared by the request's engine (style images decoded here: call it
    inside an admitted slot)."""
    names = iter(request.style_names)
    out = []
    for styles, weights in request.regions:
        if request.info.takes_images:
            styles = [images.load_image(s, name=next(names)) for s in styles]
        out.append(runner.prepare(styles, weights))
    return tuple(out)


def prepare(request: Request, *, on_queue: Callable[[int], None] | None = None, cancel: Cancel = None):
    """The request's styles prepared, one per region (the inside first), in an admitted slot."""
    runner = get_engine(request.engine_name, **request.config)
    with inference_slots().hold(on_queue, as_cancel_token(cancel)):
        return prepared_styles(runner, request)


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
    request = Request(styles=style_list(style), preset=preset, weights=style_weights, engine=engine, config=config)
    return prepare(request, on_queue=on_queue)[0]


def run(
    request: Request,
    *,
    prepared: Sequence[PreparedStyle] | None = None,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
    on_queue: Callable[[int], None] | None = None,
) -> Image.Image:
    """The request's picture. ``prepared``: its styles prepared already (a batch prepares once)."""
    if request.content is None:
        raise OptionError("the request has no photo (content)")
    runner = get_engine(request.engine_name, **request.config)
    styles = None if prepared is None else tuple(prepared)
    return _admitted(
        runner, request.content, request.content_name, request.settings, request.mask, request.feather,
        lambda: styles if styles is not None else prepared_styles(runner, request), progress, cancel, on_queue,
    )  # fmt: skip


def render(
    content: images.ImageSource,
    style: PreparedStyle,
    settings: Settings | None = None,
    *,
    mask: images.ImageSource | None = None,
    feather: float = DEFAULT_FEATHER,
    outside: PreparedStyle | None = None,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
    on_queue: Callable[[int], None] | None = None,
    **config: Any,
) -> Image.Image:
    """``content`` painted in a prepared style: fitted to ``settings.size``, rendered by the
    style's engine in an admitted slot, and with the photo's colours kept if asked. With a
    ``mask`` (see :func:`stylize`): ``style`` inside, and ``outside`` (prepared for the same
    engine) or the photo outside."""
    if not isinstance(style, PreparedStyle):
        raise OptionError(f"expected a PreparedStyle, got {type(style).__name__}")
    if outside is not None:
        check_prepared(outside, style.engine)
    settings = settings or Settings()
    options, config = engine_choices(describe(style.engine), settings.options, config)
    settings = dataclasses.replace(settings, options=options)
    runner = get_engine(style.engine, **config)
    styles = (style,) if outside is None else (style, outside)
    feather = rules.feather(feather)
    return _admitted(runner, content, "content", settings, mask, feather, lambda: styles, progress, cancel, on_queue)


def _admitted(runner, content, name, settings: Settings, mask, feather, styles, progress, cancel, on_queue):
    """Decode, prepare, paint: all inside one admitted slot."""
    token = as_cancel_token(cancel)
    cost = admission_cost(content) * work_factor(settings.options)
    with inference_slots().hold(on_queue, token, cost=cost):
        try:
            check_cancel(token)
            picture = images.fit(images.load_image(content, name=name), settings.size, upscale=settings.upscale)
            inside = None if mask is None else load_mask(mask, picture, feather)
            prepared = styles()
            regions = None if inside is None else Regions(inside_outside(inside), (*prepared, None)[:2])
            painted = None if regions is not None else prepared[0]
            pixels = images.to_array(picture)
            del picture
            out = render_array(runner, pixels, painted, settings, progress, token, regions=regions)
            return images.from_array(out)
        finally:
            release_memory()


def admission_cost(content: images.ImageSource) -> float:
    """What a picture costs to admit: its pixels, read from its header (0 when it has none; the
    decode in the slot then says what is wrong)."""
    try:
        width, height = images.image_size(content)
    except NSTError:
        return 0.0
    return float(width * height)


def work_factor(options: Any) -> float:
    """How many passes an engine's options ask for (an optimizer's iterations; 1 for one pass):
    minutes of Gatys wait behind seconds of photos."""
    if options is None or not dataclasses.is_dataclass(options):
        return 1.0
    passes = [getattr(options, f.name) for f in dataclasses.fields(options) if f.metadata.get("work")]
    return float(max([1, *passes]))


def load_mask(mask: images.ImageSource, picture: Image.Image, feather: float) -> np.ndarray:
    """HxW inside weights for ``picture`` from a mask image (white: inside), feathered."""
    image = images.load_image(mask, name="mask")
    check_aspect(image.size, picture.size)
    width, height = picture.size
    weights = fitted(np.asarray(image.convert("L"), np.float32) / 255.0, height, width)
    return feathered(weights, feather)


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


def lattice(runner: Any, height: int, width: int, settings: Settings) -> float:
    """The period (px of the picture) of ``runner``'s stride in a render of a picture this large:
    the stride times how much smaller the strokes' working size is (1 or less: no lattice)."""
    factor = 1.0 if runner.scales_strokes else stroke_factor(max(height, width), settings.stroke_scale)
    return runner.stride * factor


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
    cancel: Cancel = None,
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
    that cannot run here :class:`nst.EngineUnavailable`. The checks are those of
    :class:`nst.request.model.Request`, which this builds.
    """
    request = Request(
        content=content, styles=style_list(style), preset=preset, weights=style_weights, engine=engine,
        strength=strength, size=size, upscale=upscale, preserve_color=preserve_color, stroke_scale=stroke_scale,
        mask=mask, feather=feather, options=options, engine_values=engine_values,
    )  # fmt: skip
    return run(request, progress=progress, cancel=cancel, on_queue=on_queue)


def source_label(source: Any, role: str) -> str:
    """How an input is named in an error: its role and, when it is a file, the file's name."""
    from pathlib import Path

    return f"{role} {Path(source).name}" if isinstance(source, str | os.PathLike) else role
