"""The one stylization request every front end builds: the CLI from its flags, the HTTP service
from its form, the service client and the app from their widgets, the Python API from its
arguments. It is checked in full when it is made (nothing is decoded, no model loads), so every
refusal has the same words wherever it comes from, and a request that exists can be rendered.

The pictures (content, style images, mask) are held as they came: bytes, a path, a PIL image;
they are decoded only inside admitted work (:mod:`nst.render`), so memory is bounded by how
much work is admitted, not by how many uploads arrive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from nst.engines import EngineInfo, default_engine, describe, engine_names
from nst.engines.builtin import parse_builtin
from nst.engines.contract import Settings, check_options, options_from
from nst.errors import OptionError
from nst.request import rules

FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg")}
# the fields a client sets by value (a form sends them as text); the pictures travel as files
FORM_FIELDS = (
    "preset", "engine", "strength", "size", "upscale", "preserve_color", "stroke_scale", "weights", "options",
    "format", "feather",
)  # fmt: skip


NUMBER_RULES = {"strength": rules.strength, "stroke_scale": rules.stroke_scale, "feather": rules.feather}


class Limits(BaseModel):
    """What a host allows beyond the product's own ranges: the largest result side and the most
    work (optimization steps) one request may ask for. The web service sets these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_side: int = rules.MAX_SIZE
    max_work: int | None = None


class Request(BaseModel):
    """A photo to paint, what to paint it with and how; see the fields' descriptions."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    content: Any = Field(None, description="the photo: bytes, a path or a PIL image", exclude=True)
    content_name: str = Field("content", description="how the photo is named in errors and results")
    styles: tuple[Any, ...] = Field((), description="style images (paintings); several blend", exclude=True)
    style_names: tuple[str, ...] = Field((), description="how each style image is named in errors")
    preset: Any = Field(
        None,
        description="built-in style: 19, a blend 3:0.5,19:0.5, a learned style's name; with a mask 7,24 (inside, "
        "outside)",
    )
    weights: tuple[float, ...] | None = Field(None, description="blend weights of the style images: 0.7,0.3")
    engine: str | None = Field(None, description="see GET /v1/engines; default by the kind of style")
    strength: float = Field(1.0, description="0 to 1: how much style")
    size: int = Field(rules.DEFAULT_SIZE, description="long side of the result in px")
    upscale: bool = Field(False, description="enlarge a smaller photo to size")
    preserve_color: bool = Field(False, description="keep the photo's colours")
    stroke_scale: float = Field(1.0, description=f"brush size, {rules.MIN_STROKE_SCALE} to {rules.MAX_STROKE_SCALE}")
    options: Any = Field(None, description='the engine\'s own options, as JSON: {"iterations": 50}')
    mask: Any = Field(None, description="regional styles: white inside (first style), outside the second or the photo")
    feather: float = Field(rules.DEFAULT_FEATHER, description="softened mask border, fraction of the long side")
    format: str = Field("png", description="png or jpeg")
    limits: Limits = Field(default_factory=Limits, exclude=True)
    # the engine's options by field name and its configuration (e.g. hub_handle), as the CLI's
    # flags and the API's keywords give them; split into ``options`` and ``config`` when checked
    engine_values: dict[str, Any] = Field(default_factory=dict, exclude=True)
    config: dict[str, Any] = Field(default_factory=dict, exclude=True)

    _regions: tuple[tuple[list, np.ndarray], ...] = PrivateAttr(())

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise refusal(exc) from None

    # each field on its own: the rules' words
    @field_validator("strength", "stroke_scale", "feather", mode="before")
    @classmethod
    def _number(cls, value: Any, info) -> float:
        return NUMBER_RULES[info.field_name](value)

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> int:
        return int(rules.finite(value, "size", whole=True, span=f" from {rules.MIN_SIZE} to {rules.MAX_SIZE}"))

    @field_validator("upscale", "preserve_color", mode="before")
    @classmethod
    def _flag(cls, value: Any, info) -> bool:
        return rules.flag(value, info.field_name)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in FORMATS:
            raise OptionError(f"format must be one of {', '.join(FORMATS)}, got {value!r}")
        return value.strip().lower()

    @field_validator("weights", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> tuple[float, ...] | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parts = value.split(",") if isinstance(value, str) else list(value)
        return tuple(rules.non_negative(w, "each style weight") for w in parts)

    @field_validator("styles", "style_names", mode="before")
    @classmethod
    def _sequence(cls, value: Any) -> tuple:
        if value is None:
            return ()
        return tuple(value) if isinstance(value, (list, tuple)) else (value,)

    @field_validator("engine", mode="before")
    @classmethod
    def _engine(cls, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if value not in engine_names():
            raise OptionError(f"unknown engine {value!r}; choose from {', '.join(engine_names())}")
        return value

    # the fields together
    @model_validator(mode="after")
    def _whole(self) -> Request:
        if self.styles and self.preset is not None:
            raise OptionError("give style images or a built-in style (preset), not both")
        if not self.styles and self.preset is None:
            if self.engine is not None and not describe(self.engine).takes_images:
                raise OptionError(f"engine {self.engine!r} needs a built-in style (preset), e.g. 7 or 3:0.5,12:0.5")
            raise OptionError("give a style image or a built-in style (preset)")
        name = self.engine or default_engine("images" if self.styles else "builtin")
        info = describe(name)
        if info.takes_images and not self.styles:
            raise OptionError(f"engine {name!r} takes style images, not built-in styles (preset)")
        if not info.takes_images and self.styles:
            raise OptionError(f"engine {name!r} paints built-in styles (preset), not style images")
        size = rules.size(self.size, self.limits.max_side)
        values = {**self.config, **self.engine_values}
        options, config = engine_choices(info, self._parsed_options(), values, self.limits)
        regions = self._region_inputs(info)
        names = self.style_names or default_names(len(self.styles), self.mask is not None)
        if len(names) != len(self.styles):
            raise OptionError(f"got {len(names)} style names for {len(self.styles)} style images")
        resolved = {"engine": name, "size": size, "options": options, "config": config, "style_names": names}
        for field, value in resolved.items():
            object.__setattr__(self, field, value)  # resolved once, here; the model is frozen
        object.__setattr__(self, "engine_values", {})
        self._regions = regions
        return self

    def _parsed_options(self) -> Any:
        if isinstance(self.options, str):
            return rules.json_object(self.options) if self.options.strip() else None
        return self.options

    def _region_inputs(self, info: EngineInfo) -> tuple[tuple[list, np.ndarray], ...]:
        """(styles, weights) per region: one without a mask; inside (and outside) with one."""
        count = len(info.builtin_styles)
        if self.mask is None:
            if info.takes_images:
                return ((list(self.styles), rules.weights(self.weights, len(self.styles))),)
            if self.weights is not None:
                raise OptionError(rules.NO_WEIGHTS_WITH_PRESET)
            return (parse_builtin(self.preset, count, info.learned_styles),)
        if self.weights is not None:
            raise OptionError(rules.NO_WEIGHTS_WITH_MASK)
        specs = self._region_specs() if not info.takes_images else list(self.styles)
        if not 1 <= len(specs) <= 2:
            raise OptionError("a mask takes one style (inside; the photo outside) or two (inside, outside)")
        if len(specs) == 2 and not info.paints_regions:
            able = ", ".join(n for n in engine_names() if describe(n).paints_regions)
            raise OptionError(f"engine {info.name!r} cannot paint two styles by region yet; use {able}")
        if info.takes_images:
            return tuple(([s], np.ones(1, np.float32)) for s in specs)
        return tuple(parse_builtin(spec, count, info.learned_styles) for spec in specs)

    def _region_specs(self) -> list:
        preset = self.preset
        if isinstance(preset, str):
            return [p.strip() for p in preset.split(",")]
        return list(preset) if isinstance(preset, (list, tuple)) else [preset]

    # what renderers and clients read
    @property
    def engine_name(self) -> str:
        """The engine that runs it (``engine`` is filled in when the request is made)."""
        return str(self.engine)

    @property
    def info(self) -> EngineInfo:
        return describe(self.engine_name)

    @property
    def settings(self) -> Settings:
        return Settings(
            strength=self.strength, size=self.size, preserve_color=self.preserve_color, upscale=self.upscale,
            options=self.options, stroke_scale=self.stroke_scale,
        )  # fmt: skip

    @property
    def regions(self) -> tuple[tuple[list, np.ndarray], ...]:
        """What the engine's ``prepare`` takes, per region (style images still undecoded)."""
        return self._regions

    @property
    def media_type(self) -> str:
        return FORMATS[self.format][1]

    @property
    def image_format(self) -> str:
        return FORMATS[self.format][0]

    def smaller_photo(self) -> tuple[int, int] | None:
        """The photo's upright size when it is smaller than ``size`` (read from its header), so
        it keeps that size unless ``upscale``; None when it is not smaller."""
        from nst.io.images import image_size

        width, height = image_size(self.content, name=self.content_name)
        return (width, height) if max(width, height) < self.size else None

    def with_content(self, content: Any, name: str = "content") -> Request:
        """The same request for another photo (a batch: one style, many photos)."""
        return self.model_copy(update={"content": content, "content_name": name})

    def form(self) -> dict[str, str]:
        """The values a client sends as form fields (the pictures go as files)."""
        out: dict[str, str] = {}
        for name in FORM_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "preset":
                value = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
            elif name == "weights":
                value = ",".join(f"{w!r}" for w in value)
            elif name == "options":
                value = options_json(value)
                if value is None:
                    continue
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return out


def default_names(count: int, regional: bool) -> tuple[str, ...]:
    """How style images are named in errors when their files have no names."""
    if regional:
        return ("inside style", "outside style")[:count]
    return tuple(f"style {i + 1}" if count > 1 else "style" for i in range(count))


def engine_choices(
    info: EngineInfo, options: Any, values: Mapping[str, Any], limits: Limits | None = None
) -> tuple[Any, dict[str, Any]]:
    """An engine's checked options (its options object, or a mapping of its fields, or fields by
    name among ``values``) and its configuration (the rest of ``values``, e.g. ``hub_handle``)."""
    config = {k: v for k, v in values.items() if k in info.config_options and v is not None}
    by_name = {k: v for k, v in values.items() if k not in info.config_options and v is not None}
    fields = {f.name for f in dataclasses.fields(info.options_type)} if info.options_type is not None else set()
    for name in sorted(set(by_name) - fields):
        owners = [n for n in engine_names() if name in describe(n).config_options or name in _fields_of(n)]
        where = f"; engine {' or '.join(owners)} has it" if owners else ""
        raise OptionError(f"{name} is not a setting of engine {info.name!r}{where}")
    if by_name:
        if options is not None:
            raise OptionError("give the engine's options as one object or by name, not both")
        options = by_name
    if isinstance(options, Mapping):
        work = {"work": limits.max_work} if limits is not None and limits.max_work is not None else None
        return options_from(info.options_type, info.name, dict(options), limits=work), config
    return check_options(info.options_type, options, info.name), config


def _fields_of(engine: str) -> set[str]:
    options_type = describe(engine).options_type
    return {f.name for f in dataclasses.fields(options_type)} if options_type is not None else set()


def options_json(options: Any) -> str | None:
    """An engine's options object as the JSON object the service reads (None: the defaults)."""
    import json

    if options is None:
        return None
    return json.dumps(dataclasses.asdict(options))


def refusal(exc: ValidationError) -> OptionError:
    """The first problem of a request as one line: a rule's own error as it was raised, else
    Pydantic's words with the field's name."""
    first = exc.errors()[0]
    raised = (first.get("ctx") or {}).get("error")
    if isinstance(raised, OptionError):
        return raised
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = str(first.get("msg", "invalid")).replace("Input should be", "must be").replace("Value error, ", "")
    return OptionError(f"{where}: {message}" if where else message)


def request_of(values: Mapping[str, Any] | Request) -> Request:
    """A request from a mapping of its fields (or the request itself)."""
    return values if isinstance(values, Request) else Request(**dict(values))


__all__ = ["FORMATS", "FORM_FIELDS", "Limits", "Request", "engine_choices", "options_json", "request_of"]
