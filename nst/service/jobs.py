"""One stylization request as the HTTP service sees it: inputs as bytes and plain values (so a
job pickles to a Ray replica unchanged), checked in full before any model loads, and the one
function that renders it wherever it runs."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

from nst.engines.contract import DEFAULT_SIZE, MAX_SIZE, Settings, options_from
from nst.errors import OptionError
from nst.ops.masks import DEFAULT_FEATHER, check_feather

FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg")}
DEFAULT_MAX_SIDE = 4096
MAX_SIDE_ENV = "NST_SERVICE_MAX_SIDE"


def max_side() -> int:
    """The largest result side this host renders for the web (``NST_SERVICE_MAX_SIDE``, default 4096)."""
    value = os.environ.get(MAX_SIDE_ENV, "")
    return min(int(value), MAX_SIZE) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_SIDE


@dataclass(frozen=True)
class Job:
    """A checked request: the photo, the style images (or built-in styles) and the settings."""

    content: bytes
    content_name: str
    engine: str
    styles: tuple[bytes, ...] = ()
    style_names: tuple[str, ...] = ()
    preset: str | None = None
    weights: tuple[float, ...] | None = None
    settings: Settings = field(default_factory=Settings)
    format: str = "png"
    mask: bytes | None = None  # regional styles: white inside (the first style), the rest outside
    feather: float = DEFAULT_FEATHER

    @property
    def media_type(self) -> str:
        return FORMATS[self.format][1]


def parse_weights(text: str | None) -> tuple[float, ...] | None:
    """``"0.7,0.3"`` -> (0.7, 0.3): one weight per style image."""
    if text is None or not text.strip():
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise OptionError(f"weights must be numbers separated by commas, got {text!r}") from None


def preset_spec(text: str) -> int | str:
    """``"19"`` -> 19; a blend such as ``"3:0.5,19:0.5"`` stays as it is (parsed by the engine)."""
    return int(text) if text.strip().isdigit() else text


def parse_options(engine: str, text: str | None) -> Any:
    """The engine's own options from a JSON object such as ``{"iterations": 50}``."""
    from nst.engines import engine_class

    if text is None or not text.strip():
        return None
    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        raise OptionError(f"options must be a JSON object, got {text[:40]!r}") from None
    if not isinstance(values, dict):
        raise OptionError('options must be a JSON object such as {"iterations": 50}')
    return options_from(engine_class(engine).options_type, engine, values)


def make_job(
    content: bytes,
    content_name: str,
    *,
    styles: list[tuple[bytes, str]] | None = None,
    preset: str | None = None,
    engine: str | None = None,
    strength: float = 1.0,
    size: int = DEFAULT_SIZE,
    upscale: bool = False,
    preserve_color: bool = False,
    stroke_scale: float = 1.0,
    weights: str | None = None,
    options: str | None = None,
    format: str = "png",
    side_limit: int | None = None,
    mask: bytes | None = None,
    feather: float = DEFAULT_FEATHER,
) -> Job:
    """A :class:`Job` from a request's fields, or :class:`OptionError` naming the first bad one.
    The images are not decoded here (that is the renderer's first step, and a bad one is an
    :class:`~nst.errors.ImageError`)."""
    from nst.api import check_region_count, normalize_weights, resolve_engine
    from nst.engines import engine_class
    from nst.engines.contract import check_options

    styles = styles or []
    if format not in FORMATS:
        raise OptionError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if styles and preset:
        raise OptionError("give style images or a preset, not both")
    if not styles and not preset:
        raise OptionError("give a style image (style) or a built-in style (preset)")
    limit = side_limit or max_side()
    if size > limit:
        raise OptionError(f"size must be at most {limit} px on this server, got {size}")
    name = resolve_engine(engine, [b for b, _ in styles] or None, preset)
    cls = engine_class(name)
    parts = (preset or "").split(",") if mask is not None else [preset]  # with a mask: inside, outside
    settings = Settings(
        strength=strength,
        size=size,
        upscale=upscale,
        preserve_color=preserve_color,
        stroke_scale=stroke_scale,
        options=check_options(cls.options_type, parse_options(name, options), name),
    )
    if cls.takes == "builtin":
        from nst.engines.builtin import parse_builtin

        for part in parts:
            parse_builtin(
                preset_spec(part), len(cls.builtin_styles), cls.learned_styles
            )  # refuses a bad number or blend
    if mask is not None:
        check_feather(feather)
        check_region_count(name, len(styles) if styles else len(parts))
    chosen = parse_weights(weights)
    if chosen is not None:
        if mask is not None:
            raise OptionError("with a mask each region has one style; weights do not apply")
        if preset:
            raise OptionError("weights go with style images; blend presets as 3:0.5,19:0.5")
        normalize_weights(chosen, len(styles))  # refuses a wrong count or bad values
    return Job(
        content=content,
        content_name=content_name,
        engine=name,
        styles=tuple(b for b, _ in styles),
        style_names=tuple(n for _, n in styles),
        preset=preset,
        weights=chosen,
        settings=settings,
        format=format,
        mask=mask,
        feather=feather,
    )


def render_job(job: Job) -> bytes:
    """The stylized picture of a job, encoded; :class:`~nst.errors.NSTError` for bad input."""
    from nst import api
    from nst.io.images import encode, load_image

    content = load_image(job.content, name=job.content_name)
    styles = [load_image(data, name=name) for data, name in zip(job.styles, job.style_names, strict=True)]
    preset = preset_spec(job.preset) if job.preset is not None else None
    settings = job.settings
    out = api.stylize(
        content,
        styles or None,
        engine=job.engine,
        preset=preset,
        style_weights=job.weights,
        mask=job.mask,
        feather=job.feather,
        **{f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)},
    )
    return encode(out, FORMATS[job.format][0])
