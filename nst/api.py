"""``nst.stylize``: the one call the CLI, the app and users' scripts share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from nst import images
from nst.color import keep_colors
from nst.engines import get_engine
from nst.errors import OptionError
from nst.gatys import GatysSettings, with_iterations
from nst.presets import PresetSpec, parse_preset
from nst.slots import inference_slots
from nst.tf_runtime import release_memory

MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 64, 6144, 1024


def _styles(style) -> list:
    if style is None:
        return []
    if isinstance(style, (list, tuple)):
        return list(style)
    return [style]


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


def check_options(strength: float, size: int) -> None:
    if not isinstance(strength, (int, float)) or not 0.0 <= float(strength) <= 1.0:
        raise OptionError(f"strength must be between 0 and 1, got {strength}")
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or not MIN_SIZE <= size <= MAX_SIZE:
        raise OptionError(f"size must be a whole number of pixels from {MIN_SIZE} to {MAX_SIZE}, got {size}")


def resolve_engine(engine: str | None, style, preset) -> str:
    """``engine=None`` means ``preset`` when a preset is given, else ``magenta``; mixes are errors."""
    name = engine or ("preset" if preset is not None else "magenta")
    if name == "preset":
        if preset is None:
            raise OptionError("engine 'preset' needs a preset number, e.g. 7 or 3:0.5,12:0.5")
        if style is not None:
            raise OptionError("engine 'preset' uses built-in styles; give a preset or style images, not both")
    elif preset is not None:
        raise OptionError(f"engine {name!r} takes style images; presets belong to engine 'preset'")
    return name


def stylize(
    content,
    style=None,
    *,
    engine: str | None = None,
    strength: float = 1.0,
    size: int = DEFAULT_SIZE,
    preserve_color: bool = False,
    style_weights: Sequence[float] | None = None,
    upscale: bool = False,
    hub_handle: str | None = None,
    preset: PresetSpec | None = None,
    on_queue: Callable[[int], None] | None = None,
    iterations: int | None = None,
    progress: Callable | None = None,
    should_stop: Callable[[], bool] | None = None,
    gatys: GatysSettings | None = None,
) -> Image.Image:
    """Stylize ``content`` with one style image or a weighted blend of several, or with
    built-in styles: ``preset=7`` or a blend ``preset="3:0.5,12:0.5"`` (engine ``preset``).

    ``size`` is the long side of the result in pixels (never larger than the content unless
    ``upscale``); ``strength`` in [0, 1] fades the style in; ``preserve_color`` keeps the
    content's colours. ``on_queue(position)`` is called if the call must wait for a free
    inference slot (see :mod:`nst.slots`). Engine ``gatys`` also takes ``iterations``,
    ``gatys`` (:class:`nst.gatys.GatysSettings`), ``progress(GatysProgress)`` and
    ``should_stop()`` (ends early with the best image so far). Bad images raise :class:`nst.ImageError`, bad settings
    :class:`nst.OptionError`, an engine that cannot run here :class:`nst.EngineUnavailable`.
    """
    check_options(strength, size)
    engine = resolve_engine(engine, style, preset)
    if engine != "gatys" and (iterations is not None or gatys is not None):
        raise OptionError("iterations and Gatys settings belong to engine 'gatys'")
    extra = {}
    if engine == "gatys":
        settings = with_iterations(gatys, iterations).check()
        extra = {"settings": settings, "progress": progress, "should_stop": should_stop}
    if engine == "preset":
        styles, weights = [parse_preset(preset)], np.ones(1, np.float32)
    else:
        style_list = _styles(style)
        if not style_list:
            raise OptionError(f"engine {engine!r} needs at least one style image")
        weights = normalize_weights(style_weights, len(style_list))
        styles = [
            images.load_image(s, name=f"style {i + 1}" if len(style_list) > 1 else "style")
            for i, s in enumerate(style_list)
        ]
    content_image = images.fit(images.load_image(content, name="content"), size, upscale=upscale)
    runner = get_engine(engine, hub_handle=hub_handle)
    with inference_slots().hold(on_queue):
        try:
            out = runner.stylize(content_image, styles, weights, float(strength), **extra)
        finally:
            release_memory()
    if preserve_color:
        out = keep_colors(out, images.to_array(content_image))
    return images.from_array(out)


def preset_sheet(content, *, size: int = 256) -> Image.Image:
    """All 26 built-in styles on ``content`` (long side ``size``), labelled, in one picture."""
    check_options(1.0, size)
    small = images.fit(images.load_image(content, name="content"), size)
    engine = get_engine("preset")
    with inference_slots().hold():
        return engine.contact_sheet(small)


def preset_gallery(content, *, size: int = 192) -> list[Image.Image]:
    """All 26 built-in styles on ``content`` at thumbnail size, index order (for galleries)."""
    check_options(1.0, size)
    small = images.fit(images.load_image(content, name="content"), size)
    engine = get_engine("preset")
    with inference_slots().hold():
        return engine.render_all(small)
