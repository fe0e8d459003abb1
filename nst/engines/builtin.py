"""Choosing built-in styles: one number, or a blend such as ``3:0.5,12:0.5``, for any engine that has them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from nst.errors import OptionError
from nst.request.rules import blend_total, non_negative


class StyleCode(Protocol):
    """A learned style held in memory (an app session's), chosen as itself rather than by name."""

    @property
    def name(self) -> str: ...

    @property
    def code(self) -> np.ndarray: ...


BuiltinSpec = int | str | Mapping[int, float] | Sequence[int] | StyleCode


def _key(value, count: int, learned: Callable[[], Collection[str]] | None) -> int | str | Any:
    """A built-in style's number, a learned style's name as the library spells it, or a learned
    style itself (an object with a ``code``: one that lives in an app session, not the library)."""
    if learned is not None and hasattr(value, "code") and hasattr(value, "name"):
        return value
    if isinstance(value, str) and value.strip()[:1].isalpha() and learned is not None:  # names start with a letter
        names = {n.lower(): n for n in learned()}
        if value.strip().lower() in names:
            return names[value.strip().lower()]
        known = ", ".join(sorted(names.values())) or "none yet"
        raise OptionError(
            f"preset {value.strip()!r} is neither a built-in style (0 to {count - 1}) nor a learned one ({known})"
        )
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise OptionError(f"preset {value!r} is not a whole number from 0 to {count - 1}") from None
    if not 0 <= index < count:
        raise OptionError(f"preset {index} does not exist; use 0 to {count - 1}")
    return index


def _weight(value) -> float:
    return non_negative(value, "preset weight")


def parse_builtin(
    spec: BuiltinSpec, count: int, learned: Callable[[], Collection[str]] | None = None
) -> tuple[list[int | str], np.ndarray]:
    """(styles, weights summing to 1) chosen by ``7``, ``"3:0.5,12:0.5"``, ``{3: 0.5, 12: 0.5}``
    or ``[3, 12]`` (equal weights), among ``count`` built-in styles; with ``learned`` (a function
    giving the learned styles' names) a name such as ``"Monet"`` or ``"Monet:0.5,19:0.5"`` too, or
    a learned style object (alone, or as a key of a mapping)."""
    weights: dict[int | str, float] = {}

    def add(value, weight: float) -> None:
        key = _key(value, count, learned)
        weights[key] = weights.get(key, 0.0) + weight

    if isinstance(spec, bool):
        raise OptionError("preset must be a number or a blend like 3:0.5,12:0.5")
    if isinstance(spec, (int, np.integer)):
        add(int(spec), 1.0)
    elif hasattr(spec, "code"):
        add(spec, 1.0)
    elif isinstance(spec, str):
        parts = [p.strip() for p in spec.split(",") if p.strip()]
        if not parts:
            raise OptionError("preset is empty; use e.g. 7 or 3:0.5,12:0.5")
        for part in parts:
            index, sep, text = part.rpartition(":") if ":" in part else (part, "", "")
            add(index.strip(), _weight(text) if sep else 1.0)
    elif isinstance(spec, Mapping):
        for key, value in spec.items():
            add(key, _weight(value))
    elif isinstance(spec, Sequence):
        for item in spec:
            add(item, 1.0)
    else:
        raise OptionError("preset must be a number or a blend like 3:0.5,12:0.5")
    total = sum(weights.values())
    blend_total(total)
    numbers = sorted(k for k in weights if isinstance(k, int) and weights[k] > 0)
    chosen: list[int | str] = [*numbers, *(k for k in weights if not isinstance(k, int) and weights[k] > 0)]
    return chosen, np.array([weights[k] / total for k in chosen], np.float32)
