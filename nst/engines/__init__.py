"""The engine registry: a name users pick -> the module and class that implement the contract.

A new engine is one module implementing :class:`nst.engines.contract.Engine` plus one line in
``ENGINES``. Importing an engine module loads no model; :func:`get_engine` builds each engine
once per process (and per configuration, e.g. a TF-Hub handle).
"""

from __future__ import annotations

import importlib
import threading

from nst.engines.contract import Engine
from nst.errors import OptionError

ENGINES = {
    "magenta": "nst.engines.magenta:MagentaEngine",
    "magenta-hub": "nst.engines.hub:HubEngine",
    "preset": "nst.engines.preset:PresetEngine",
    "adain": "nst.engines.adain:AdaINEngine",
    "gatys": "nst.engines.gatys:GatysEngine",
}

_loaded: dict[tuple, Engine] = {}
_lock = threading.Lock()


def engine_names() -> list[str]:
    """Every engine, the default first."""
    return list(ENGINES)


def engine_class(name: str) -> type:
    """The class implementing engine ``name`` (imports its module, which loads no model)."""
    if name not in ENGINES:
        raise OptionError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    module, _, attribute = ENGINES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def default_engine(takes: str) -> str:
    """The first registered engine that takes style ``images`` or ``builtin`` styles."""
    return next(name for name in ENGINES if engine_class(name).takes == takes)


def check_config(name: str, config: dict) -> dict:
    """The given engine configuration (None values dropped), refused if the engine has no such setting."""
    given = {key: value for key, value in config.items() if value is not None}
    known = engine_class(name).config_options
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise OptionError(f"{unknown[0]} is not a setting of engine {name!r}")
    return given


def unavailable_reason(name: str, **config) -> str | None:
    """Why engine ``name`` cannot run here, in one sentence a web user understands, or None."""
    cls = engine_class(name)
    return cls.unavailable_reason(**check_config(name, config))


def get_engine(name: str, **config) -> Engine:
    """Engine ``name`` loaded once per process and configuration (thread-safe)."""
    cls = engine_class(name)
    config = check_config(name, config)
    key = (name, cls.cache_key(**config))
    with _lock:
        if key not in _loaded:
            _loaded[key] = cls(**config)
        return _loaded[key]


__all__ = ["ENGINES", "default_engine", "engine_class", "engine_names", "get_engine", "unavailable_reason"]
