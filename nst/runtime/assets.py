"""Weights we train ship in ``assets/`` (``nst/assets`` links there in a checkout; the wheel
carries the files), found the same way installed and in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nst.errors import EngineUnavailable


def asset_path(name: str) -> Path:
    """The path of a shipped asset file, or :class:`EngineUnavailable` saying it is missing."""
    path = Path(str(resources.files("nst") / "assets" / name))
    if not path.is_file():
        raise EngineUnavailable(f"{name} is missing from the installed package (expected at {path})")
    return path
