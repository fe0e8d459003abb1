"""Image folders for training and evaluation, with a stable train/validation split."""

from __future__ import annotations

import hashlib
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def image_files(folder: str | Path) -> list[Path]:
    """Every image file under ``folder`` (recursively), sorted."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def is_validation(path: Path, fraction: float = 0.1) -> bool:
    """A file's side of the split depends only on its name, so it never moves between runs."""
    digest = int(hashlib.sha1(f"{path.parent.name}/{path.name}".encode()).hexdigest()[:8], 16)
    return digest % 1000 < fraction * 1000


def split(files: list[Path], fraction: float = 0.1) -> tuple[list[Path], list[Path]]:
    """(train, validation) by a stable hash of each file's folder and name."""
    validation = [f for f in files if is_validation(f, fraction)]
    train = [f for f in files if not is_validation(f, fraction)]
    return train, validation
