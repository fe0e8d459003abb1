"""What every engine implements: ``prepare`` a style once, then ``render`` any number of pictures.

A prepared style is small, immutable, hashable and serializable, so a video, a live stream or a
remote worker computes it once and reuses it for every frame. Settings are one validated object;
engine-specific options are a dataclass the engine names (``options_type``) and validates itself,
so front ends never branch on an engine's name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from PIL import Image

from nst.errors import OptionError
from nst.request import rules
from nst.request.rules import DEFAULT_SIZE
from nst.runtime.progress import CancelToken, ProgressCallback

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Settings:
    """How to render: strength in [0, 1], long side ``size`` in px, keep the photo's colours,
    allow a result larger than the photo, the engine's own ``options`` (None: its defaults), and
    the brush size ``stroke_scale`` (1: strokes as in a 1024 px result, at any output size)."""

    strength: float = 1.0
    size: int = DEFAULT_SIZE
    preserve_color: bool = False
    upscale: bool = False
    options: Any = None
    stroke_scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "strength", rules.strength(self.strength))
        object.__setattr__(self, "size", rules.size(self.size))
        object.__setattr__(self, "stroke_scale", rules.stroke_scale(self.stroke_scale))
        object.__setattr__(self, "preserve_color", rules.flag(self.preserve_color, "preserve_color"))
        object.__setattr__(self, "upscale", rules.flag(self.upscale, "upscale"))


def check_options(options_type: type | None, options: Any, engine: str) -> Any:
    """``options`` validated for an engine whose options are ``options_type`` (None: it has none)."""
    if options_type is None:
        if options is not None:
            raise OptionError(f"engine {engine!r} takes no options")
        return None
    if options is None:
        options = options_type()
    if not isinstance(options, options_type):
        raise OptionError(f"engine {engine!r} takes {options_type.__name__}, not {type(options).__name__}")
    check = getattr(options, "check", None)
    return check() if check is not None else options


def options_from(
    options_type: type | None, engine: str, values: Mapping[str, Any], *, limits: Mapping[str, int] | None = None
) -> Any:
    """An engine's options from field values by name (the CLI's flags, the app's widgets, an HTTP
    request's JSON): a name the engine does not have, a value of the wrong type or not finite is
    an :class:`OptionError`; then the options type's own ``check``. ``limits``: a host's upper
    bound for fields that measure work (``metadata["work"]``, e.g. Gatys' iterations)."""
    if not values:
        return None
    fields = {f.name: f for f in dataclasses.fields(options_type)} if options_type is not None else {}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise OptionError(f"{unknown[0]} is not a setting of engine {engine!r}")
    typed = {name: _typed(fields[name], value) for name, value in values.items()}
    for name, value in typed.items():
        bound = (limits or {}).get("work") if fields[name].metadata.get("work") else None
        if bound is not None and value > bound:
            raise OptionError(f"{name} must be at most {bound} on this server, got {value}")
    assert options_type is not None  # values for an engine without options were refused above
    return check_options(options_type, options_type(**typed), engine)


def _typed(field_: dataclasses.Field, value: Any) -> Any:
    """A field's value as its declared type (int, float, str or bool; numbers finite)."""
    kind = field_.type if isinstance(field_.type, str) else field_.type.__name__
    if kind == "bool":
        return rules.flag(value, field_.name)
    if kind in ("int", "float"):
        return rules.finite(value, field_.name, whole=kind == "int")
    if not isinstance(value, str):
        raise OptionError(f"{field_.name} must be text, got {value!r}")
    choices = field_.metadata.get("choices")
    if choices and value not in choices:
        raise OptionError(f"{field_.name} must be one of {', '.join(choices)}, got {value!r}")
    return value


@dataclass(frozen=True, eq=False)
class PreparedStyle:
    """A style ready to render with one engine: named arrays (style vector, feature statistics,
    built-in style weights, style pixels), read-only. Equal and hashed by content."""

    engine: str
    arrays: tuple[tuple[str, np.ndarray], ...]
    key: str = field(init=False)  # sha256 of the engine and the arrays, set from them

    def __post_init__(self) -> None:
        frozen = []
        digest = hashlib.sha256(self.engine.encode())
        for name, value in self.arrays:
            array = np.array(value, copy=True)
            array.flags.writeable = False
            frozen.append((name, array))
            digest.update(f"{name}{array.dtype.str}{array.shape}".encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        object.__setattr__(self, "arrays", tuple(frozen))
        object.__setattr__(self, "key", digest.hexdigest())

    @classmethod
    def of(cls, engine: str, **arrays: np.ndarray) -> PreparedStyle:
        return cls(engine, tuple(arrays.items()))

    def __getitem__(self, name: str) -> np.ndarray:
        for key, value in self.arrays:
            if key == name:
                return value
        raise KeyError(name)

    def names(self) -> list[str]:
        return [name for name, _ in self.arrays]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PreparedStyle) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"PreparedStyle({self.engine!r}, {', '.join(self.names())}, key={self.key[:12]})"

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for _, a in self.arrays)

    def to_bytes(self) -> bytes:
        """An ``.npz`` archive (no pickles) that :meth:`from_bytes` reads back."""
        buffer = io.BytesIO()
        header = json.dumps({"format": FORMAT_VERSION, "engine": self.engine, "names": self.names()})
        arrays: dict[str, Any] = {f"a{i}": a for i, (_, a) in enumerate(self.arrays)}
        np.savez(buffer, __header__=np.array(header), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PreparedStyle:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                header = json.loads(str(stored["__header__"]))
                if header.get("format") != FORMAT_VERSION:
                    raise OptionError(f"prepared style format {header.get('format')} is not {FORMAT_VERSION}")
                names = header["names"]
                return cls(str(header["engine"]), tuple((n, stored[f"a{i}"]) for i, n in enumerate(names)))
        except OptionError:
            raise
        except Exception:  # not an archive, or not ours: one line, whatever numpy raised
            raise OptionError("not a prepared style (expected the bytes of PreparedStyle.to_bytes)") from None


@runtime_checkable
class Engine(Protocol):
    """The contract. ``takes`` is ``"images"`` (style images) or ``"builtin"`` (choices among
    ``builtin_styles``); ``options_type`` is the engine's options dataclass or None."""

    name: ClassVar[str]
    takes: ClassVar[str]
    options_type: ClassVar[type | None]
    builtin_styles: ClassVar[tuple[str, ...]]

    def prepare(self, styles: Sequence[Image.Image | int], weights: np.ndarray) -> PreparedStyle:
        """Style images (or built-in style indices) and normalized blend weights to a prepared style."""

    def render(
        self,
        content: np.ndarray,
        style: PreparedStyle,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """Float HxWx3 content in [0, 1], already at output size, to the float HxWx3 result."""


@dataclass(frozen=True)
class TemporalGuide:
    """For a video frame: the previous result warped onto this frame (float HxWx3) and how far
    to trust it per pixel (float HxW in [0, 1]; 0 where the flow is unreliable or occluded)."""

    image: np.ndarray
    weight: np.ndarray


@dataclass(frozen=True, eq=False)
class Regions:
    """Styles by region: ``masks`` (float HxWxK at the content's size, summing to 1 per pixel)
    and one prepared style per region, or None where the region keeps the photo."""

    masks: np.ndarray
    styles: tuple[PreparedStyle | None, ...]

    def __post_init__(self) -> None:
        if self.masks.ndim != 3 or self.masks.shape[2] != len(self.styles) or len(self.styles) < 2:
            raise OptionError(f"regions: masks of shape {self.masks.shape} for {len(self.styles)} styles")


def check_prepared(style: PreparedStyle, engine: str) -> None:
    if not isinstance(style, PreparedStyle):
        raise OptionError(f"expected a PreparedStyle, got {type(style).__name__}")
    if style.engine != engine:
        raise OptionError(f"this style was prepared for engine {style.engine!r}, not {engine!r}")


class EngineBase:
    """Defaults for the parts of the contract most engines leave alone."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    takes: ClassVar[str] = "images"
    options_type: ClassVar[type | None] = None
    builtin_styles: ClassVar[tuple[str, ...]] = ()
    # engine configuration given when it is built (e.g. which model to load): name -> help text
    config_options: ClassVar[Mapping[str, str]] = {}
    note: str | None = None  # one line front ends show the user (e.g. a fallback in use)
    # renders by optimizing: progress carries previews, and cancelling keeps the best picture so far
    iterative: ClassVar[bool] = False
    export_formats: ClassVar[tuple[str, ...]] = ()  # model formats for phones and other runtimes
    # render takes guide=TemporalGuide and keeps video frames consistent itself (an optimizing engine
    # starts from the warped past); other engines' frames are blended with it after rendering
    takes_guide: ClassVar[bool] = False
    # render honours settings.stroke_scale itself (an optimizer scales its style targets); other
    # engines' results are painted at the working size and carried to the output size for them
    scales_strokes: ClassVar[bool] = False
    # render_regions paints several styles in one pass, blended inside the network where the
    # masks say (regional styles painted in one piece, not cut and pasted)
    paints_regions: ClassVar[bool] = False
    # the network's total downsampling: a picture moved by a multiple of this many pixels is
    # painted exactly as moved, by anything else differently (video keeps one phase of it)
    stride: ClassVar[int] = 1

    def render_regions(
        self,
        content: np.ndarray,
        styles: Sequence[PreparedStyle],
        masks: np.ndarray,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """Float HxWx3 content painted with ``styles[k]`` where ``masks[..., k]`` (HxWxK, summing to 1)."""
        raise OptionError(f"engine {self.name!r} does not paint regional styles")

    def render_builtins(self, content: np.ndarray) -> list[Image.Image]:
        """``content`` (float HxWx3) in every built-in style, in order: the gallery."""
        raise OptionError(f"engine {self.name!r} has no built-in styles")

    @classmethod
    def learned_styles(cls) -> list[str]:
        """Names of the user's learned styles this engine paints like built-in ones (``preset="Name"``)."""
        return []

    @classmethod
    def export_models(cls, fmt: str, float16: bool = False) -> dict[str, bytes]:
        """{file name: contents} of the engine's models in ``fmt`` (one of ``export_formats``)."""
        raise OptionError(f"engine {cls.name!r} does not export models")

    @classmethod
    def cache_key(cls, **config: Any) -> tuple:
        """What tells two configurations of this engine apart (one loaded instance each)."""
        return tuple(sorted(config.items()))

    @classmethod
    def unavailable_reason(cls, **config: Any) -> str | None:
        """Why the engine cannot run on this host (one plain sentence), checked without loading it."""
        return None
