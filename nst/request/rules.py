"""The rules every number and list of a request obeys, each written once with its one-line
refusal. The request model (:mod:`nst.request.model`) applies them to what a front end sends;
the engine contract's :class:`~nst.engines.contract.Settings` applies the same ones, so a
caller of the Python API who builds settings by hand meets the same words."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nst.errors import OptionError
from nst.ops.masks import DEFAULT_FEATHER, MAX_FEATHER
from nst.ops.strokes import MAX_STROKE_SCALE, MIN_STROKE_SCALE

__all__ = ["DEFAULT_FEATHER", "MAX_FEATHER", "MAX_STROKE_SCALE", "MIN_STROKE_SCALE"]

MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 64, 6144, 1024
MAX_OPTIONS_CHARS = 2000  # an engine's options as JSON: a handful of fields, never a document
MAX_OPTIONS_DEPTH = 2  # an object of plain values ({"iterations": 50}); one level of nesting at most
NO_WEIGHTS_WITH_MASK = "with a mask each region has one style; weights do not apply"
NO_WEIGHTS_WITH_PRESET = "weights blend style images; blend built-in styles as 3:0.5,19:0.5"


def finite(value: Any, what: str, *, whole: bool = False, span: str = "") -> float | int:
    """``value`` as a finite number (a whole one if ``whole``); text such as ``"0.5"`` (a form
    field) is read as a number; anything else, NaN and infinities are an :class:`OptionError`."""
    kind = ("a whole number" if whole else "a number") + span
    parsed = value
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            raise OptionError(f"{what} must be {kind}, got {value!r}") from None
    if isinstance(parsed, (bool, np.bool_)) or not isinstance(parsed, (int, float, np.integer, np.floating)):
        raise OptionError(f"{what} must be {kind}, got {value!r}")
    if not math.isfinite(parsed) or (whole and parsed != int(parsed)):
        raise OptionError(f"{what} must be {kind}, got {value!r}")
    return int(parsed) if whole else float(parsed)


def number(value: Any, what: str, low: float, high: float, *, whole: bool = False) -> float | int:
    """``value`` as a finite number from ``low`` to ``high`` (see :func:`finite`)."""
    span = f" from {low:g} to {high:g}"
    parsed = finite(value, what, whole=whole, span=span)
    if not low <= parsed <= high:
        raise OptionError(f"{what} must be {'a whole number' if whole else 'a number'}{span}, got {value!r}")
    return parsed


def strength(value: Any) -> float:
    return number(value, "strength", 0.0, 1.0)


def size(value: Any, limit: int = MAX_SIZE) -> int:
    """A result's long side; ``limit`` is a host's own bound (a web service renders less than 6144 px)."""
    span = f" from {MIN_SIZE} to {MAX_SIZE}"
    if limit < MAX_SIZE and finite(value, "size", whole=True, span=span) > limit:
        raise OptionError(f"size must be at most {limit} px on this server, got {value}")
    return int(number(value, "size", MIN_SIZE, MAX_SIZE, whole=True))


def stroke_scale(value: Any) -> float:
    return number(value, "stroke scale", MIN_STROKE_SCALE, MAX_STROKE_SCALE)


def feather(value: Any) -> float:
    return number(value, "feather", 0.0, MAX_FEATHER)


def flag(value: Any, what: str) -> bool:
    """A yes/no setting: a bool, or the words a form sends (true/false, 1/0, on/off, yes/no)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    words = {"true": True, "1": True, "on": True, "yes": True, "false": False, "0": False, "off": False, "no": False}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise OptionError(f"{what} must be true or false, got {value!r}")


def weights(values: Sequence[Any] | str | None, count: int) -> np.ndarray:
    """Blend weights for ``count`` styles (``"0.7,0.3"`` from a form too): equal by default, else
    one non-negative number per style with a positive, finite sum; normalized to sum to 1."""
    if values is None or (isinstance(values, str) and not values.strip()):
        return np.full(count, 1.0 / count, np.float32)
    parts = values.split(",") if isinstance(values, str) else list(values)
    array = np.array([non_negative(w, "each style weight") for w in parts], np.float64)
    if array.size != count:
        raise OptionError(f"got {array.size} style weights for {count} style images")
    total = sum(float(w) for w in array)  # Python's sum: 1e308 twice is inf, with no warning
    if not math.isfinite(total) or total <= 0:
        raise OptionError("style weights must have a positive, finite sum")
    return (array / total).astype(np.float32)


def non_negative(value: Any, what: str) -> float:
    parsed = finite(value, what, span=" of 0 or more")
    if parsed < 0:
        raise OptionError(f"{what} must be a number of 0 or more, got {value!r}")
    return parsed


def blend_total(total: float) -> None:
    """A built-in blend's weights must add up to a positive, finite number (1e308 twice does not)."""
    if not math.isfinite(total) or total <= 0:
        raise OptionError("preset weights must have a positive, finite sum")


def json_object(text: str, what: str = "options") -> dict[str, Any]:
    """A small JSON object from a form field, refused in one line when it is not one: its size
    and nesting are bounded before it is parsed, and NaN or Infinity are not numbers."""
    example = '{"iterations": 50}'
    if len(text) > MAX_OPTIONS_CHARS:
        raise OptionError(f"{what} must be a JSON object of at most {MAX_OPTIONS_CHARS} characters")
    depth = deepest = 0
    quoted = escaped = False
    for char in text:  # nesting, counted outside strings, before the parser could recurse
        if quoted:
            escaped, quoted = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > MAX_OPTIONS_DEPTH:
        raise OptionError(f"{what} must be a flat JSON object such as {example}")

    def refuse_constant(name: str) -> float:
        raise OptionError(f"{what}: {name} is not a number")

    try:
        values = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError:
        raise OptionError(f"{what} must be a JSON object such as {example}, got {text[:40]!r}") from None
    if not isinstance(values, dict):
        raise OptionError(f"{what} must be a JSON object such as {example}")
    return values
