"""The 26 built-in styles: their names and the ways users pick or blend them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nst.errors import OptionError

# Named by looking at each style rendered on our example photo (the wheel numbers them only).
NAMES = [
    "Golden haze", "Ink and gold", "Charcoal sketch", "Fauvist mosaic", "Crimson dusk",
    "Rust and sky", "Blue cobblestones", "Fiery night", "Pastel scribble", "Red and teal tapestry",
    "Sepia ember", "Pencil on parchment", "Misty pastel", "Electric jungle", "Frosted blue",
    "Stained glass", "Starry blues", "Brick weave", "Sandstone relief", "Night swirl",
    "Scarlet blaze", "Poster pastel", "Slate mosaic", "Dusky photo", "Delft tile", "Woven tapestry",
]  # fmt: skip
NUM_PRESETS = len(NAMES)

PresetSpec = int | str | Mapping[int, float] | Sequence[int]


def label(index: int) -> str:
    return f"#{index} {NAMES[index]}"


def _index(value) -> int:
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise OptionError(f"preset {value!r} is not a whole number from 0 to {NUM_PRESETS - 1}") from None
    if not 0 <= index < NUM_PRESETS:
        raise OptionError(f"preset {index} does not exist; use 0 to {NUM_PRESETS - 1}")
    return index


def _weight(value) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"preset weight {value!r} is not a number") from None
    if not np.isfinite(weight) or weight < 0:
        raise OptionError(f"preset weight {value!r} must be a non-negative number")
    return weight


def parse_preset(spec: PresetSpec) -> np.ndarray:
    """A style-weight vector of length 26 (summing to 1) from ``7``, ``"3:0.5,12:0.5"``,
    ``{3: 0.5, 12: 0.5}`` or ``[3, 12]`` (equal weights)."""
    weights = np.zeros(NUM_PRESETS, np.float64)
    if isinstance(spec, bool):
        raise OptionError("preset must be a number or a blend like 3:0.5,12:0.5")
    if isinstance(spec, (int, np.integer)):
        weights[_index(spec)] = 1.0
    elif isinstance(spec, str):
        parts = [p.strip() for p in spec.split(",") if p.strip()]
        if not parts:
            raise OptionError("preset is empty; use e.g. 7 or 3:0.5,12:0.5")
        for part in parts:
            index, sep, weight = part.partition(":")
            weights[_index(index.strip())] += _weight(weight) if sep else 1.0
    elif isinstance(spec, Mapping):
        for index, weight in spec.items():
            weights[_index(index)] += _weight(weight)
    elif isinstance(spec, Sequence):
        for index in spec:
            weights[_index(index)] += 1.0
    else:
        raise OptionError("preset must be a number or a blend like 3:0.5,12:0.5")
    if weights.sum() <= 0:
        raise OptionError("preset weights are all zero")
    return (weights / weights.sum()).astype(np.float32)
