"""Engine registry: names users pick, and one loaded instance of each per process."""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np
from PIL import Image

from nst.errors import EngineUnavailable, OptionError

DESCRIPTIONS = {
    "magenta": "Magenta arbitrary stylization, embedded weights, any resolution, offline (default)",
    "magenta-hub": "Magenta arbitrary stylization, Google's official TF-Hub model (internet or local copy)",
    "preset": "26 built-in styles (conditional instance norm), any resolution, offline",
    "adain": "AdaIN (Huang & Belongie), our MobileNetV2 decoder: any style image, 1.1 MB, offline, TFLite export",
    "gatys": "Gatys optimization (2015): slowest, finest; VGG-19 features, or MobileNetV2 offline",
}


class Engine(Protocol):
    name: str

    def stylize(self, content: Image.Image, styles: list, weights: np.ndarray, strength: float) -> np.ndarray:
        """Content at output size, styles (images, or preset weight vectors), normalized blend
        weights and strength in [0, 1]: float HxWx3 in [0, 1]."""


_loaded: dict[tuple, Engine] = {}
_lock = threading.Lock()


def engine_names() -> list[str]:
    return list(DESCRIPTIONS)


def get_engine(name: str, *, hub_handle: str | None = None) -> Engine:
    """Load an engine once per process (thread-safe); later calls return the same instance."""
    if name not in DESCRIPTIONS:
        raise OptionError(f"unknown engine {name!r}; choose from {', '.join(DESCRIPTIONS)}")
    key: tuple = (name,)
    if name == "magenta-hub":
        from nst.hub_engine import resolve_handle

        key = (name, resolve_handle(hub_handle))
    with _lock:
        if key not in _loaded:
            _loaded[key] = _build(name, hub_handle)
        return _loaded[key]


def _build(name: str, hub_handle: str | None) -> Engine:
    if name == "magenta":
        from nst.magenta_engine import MagentaEngine

        return MagentaEngine()
    if name == "magenta-hub":
        from nst.hub_engine import HubEngine

        return HubEngine(hub_handle)
    if name == "preset":
        from nst.preset_engine import PresetEngine

        return PresetEngine()
    if name == "adain":
        from nst.adain_engine import AdaINEngine

        return AdaINEngine()
    if name == "gatys":
        from nst.gatys import GatysEngine

        return GatysEngine()
    raise EngineUnavailable(name)  # unreachable: names are checked above
