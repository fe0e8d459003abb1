"""Choosing built-in styles: one number, or a blend such as ``3:0.5,12:0.5``, for any engine that has them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nst.errors import OptionError

BuiltinSpec = int | str | Mapping[int, float] | Sequence[int]


def _index(value, count: int) -> int:
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise OptionError(f"preset {value!r} is not a whole number from 0 to {count - 1}") from None
    if not 0 <= index < count:
        raise OptionError(f"preset {index} does not exist; use 0 to {count - 1}")
    return index


def _weight(value) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"preset weight {value!r} is not a number") from None
    if not np.isfinite(weight) or weight < 0:
        raise OptionError(f"preset weight {value!r} must be a non-negative number")
    return weight


def parse_builtin(spec: BuiltinSpec, count: int) -> tuple[list[int], np.ndarray]:
    """(indices, weights summing to 1) of the built-in styles chosen by ``7``, ``"3:0.5,12:0.5"``,
    ``{3: 0.5, 12: 0.5}`` or ``[3, 12]`` (equal weights), among ``count`` styles."""
    weights = np.zeros(count, np.float64)
    if isinstance(spec, bool):
        raise OptionError("preset must be a number or a blend like 3:0.5,12:0.5")
    if isinstance(spec, (int, np.integer)):
        weights[_index(spec, count)] = 1.0
    elif isinstance(spec, str):
        parts = [p.strip() for p in spec.split(",") if p.strip()]
        if not parts:
            raise OptionError("preset is empty; use e.g. 7 or 3:0.5,12:0.5")
        for part in parts:
            index, sep, weight = part.partition(":")
            weights[_index(index.strip(), count)] += _weight(weight) if sep else 1.0
    elif isinstance(spec, Mapping):
        for index, weight in spec.items():
            weights[_index(index, count)] += _weight(weight)
    elif isinstance(spec, Sequence):
        for index in spec:
            weights[_index(index, count)] += 1.0
    else:
        raise OptionError("preset must be a number or a blend like 3:0.5,12:0.5")
    if weights.sum() <= 0:
        raise OptionError("preset weights are all zero")
    chosen = [int(i) for i in np.flatnonzero(weights)]
    return chosen, (weights[chosen] / weights.sum()).astype(np.float32)
