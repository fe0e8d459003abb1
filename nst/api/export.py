"""Writing an engine's models for other runtimes (TFLite for phones)."""

from __future__ import annotations

import os
from pathlib import Path

from nst.engines import engine_class, engines_where
from nst.errors import OptionError
from nst.io.files import write_atomic


def export_models(directory: str | os.PathLike, engine: str, fmt: str, *, float16: bool = False) -> list[Path]:
    """Write an engine's models in format ``fmt`` into ``directory`` (each file whole or not at all)."""
    cls = engine_class(engine)
    exportable = engines_where(lambda e: bool(e.export_formats))
    if not cls.export_formats:
        raise OptionError(f"engine {engine!r} does not export models; these do: {', '.join(exportable)}")
    if fmt not in cls.export_formats:
        raise OptionError(f"engine {engine!r} exports {', '.join(cls.export_formats)}, not {fmt!r}")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{folder} exists and is not a folder")
    models = cls.export_models(fmt, float16)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_atomic(folder / name, data) for name, data in models.items()]
