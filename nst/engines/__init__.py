"""The engine registry: a name users pick -> the module and class that implement the contract.

A new engine is one module implementing :class:`nst.engines.contract.Engine` plus one line in
``ENGINES``. Importing an engine module loads no model; :func:`get_engine` builds each engine
once per process (and per configuration, e.g. a TF-Hub handle).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nst.engines.contract import EngineBase
from nst.errors import OptionError

ENGINES = {
    "magenta": "nst.engines.magenta:MagentaEngine",
    "magenta-hub": "nst.engines.hub:HubEngine",
    "preset": "nst.engines.preset:PresetEngine",
    "adain": "nst.engines.adain:AdaINEngine",
    "gatys": "nst.engines.gatys:GatysEngine",
}

_loaded: dict[tuple, EngineBase] = {}
_lock = threading.Lock()


def engine_names() -> list[str]:
    """Every engine, the default first."""
    return list(ENGINES)


def engine_class(name: str) -> type[EngineBase]:
    """The class implementing engine ``name`` (imports its module, which loads no model)."""
    if name not in ENGINES:
        raise OptionError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    module, _, attribute = ENGINES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class EngineInfo:
    """What an engine is and can do, for front ends and the request: they ask here, and never
    read an engine class's attributes or compare its name."""

    name: str
    description: str
    takes_images: bool  # style images (paintings); otherwise choices among built-in styles
    builtin_styles: tuple[str, ...]
    learned_styles: Callable[[], list[str]]  # names of the user's learned styles it paints
    paints_regions: bool  # two styles by region in one pass
    iterative: bool  # optimizes: progress carries previews, cancelling keeps the best so far
    options_type: type | None
    config_options: Mapping[str, str]
    export_formats: tuple[str, ...]

    @property
    def kind(self) -> str:
        """What its styles are, in words a user reads: "style images" or "built-in styles"."""
        return "style images" if self.takes_images else "built-in styles"


def describe(name: str) -> EngineInfo:
    """Engine ``name``'s capabilities (imports its module, which loads no model)."""
    cls = engine_class(name)
    return EngineInfo(
        name=name,
        description=cls.description,
        takes_images=cls.takes == "images",
        builtin_styles=tuple(cls.builtin_styles),
        learned_styles=cls.learned_styles,
        paints_regions=bool(cls.paints_regions),
        iterative=bool(cls.iterative),
        options_type=cls.options_type,
        config_options=dict(cls.config_options),
        export_formats=tuple(cls.export_formats),
    )


def engines_where(test: Callable[[EngineInfo], bool]) -> list[str]:
    """The registered engines whose capabilities pass ``test``, in registry order."""
    return [name for name in ENGINES if test(describe(name))]


def default_engine(takes: str) -> str:
    """The first registered engine that takes style ``images`` or ``builtin`` styles."""
    return engines_where(lambda e: e.takes_images == (takes == "images"))[0]


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


def get_engine(name: str, **config) -> EngineBase:
    """Engine ``name`` loaded once per process and configuration (thread-safe)."""
    cls = engine_class(name)
    config = check_config(name, config)
    key = (name, cls.cache_key(**config))
    with _lock:
        if key not in _loaded:
            _loaded[key] = cls(**config)
        return _loaded[key]


__all__ = [
    "ENGINES",
    "EngineInfo",
    "default_engine",
    "describe",
    "engine_class",
    "engine_names",
    "engines_where",
    "get_engine",
    "unavailable_reason",
]
