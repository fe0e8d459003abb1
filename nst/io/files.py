"""Writing files so that a failed or interrupted run never leaves half a file behind."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from nst.errors import OptionError

LEGACY_PART_SECONDS = 3600  # a part without its writer's pid (older versions): stale after an hour


def part_path(path: Path) -> Path:
    """A hidden, unique name beside ``path`` to write into before renaming over it. It names its
    writer's process, so the parts of a run that was killed (``kill -9``, power loss) are
    removed by the next one that writes ``path``."""
    remove_stale_parts(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")


def remove_stale_parts(path: Path) -> list[Path]:
    """Remove the parts beside ``path`` whose writer is gone; returns what was removed."""
    import glob
    import time

    removed = []
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        writer = part.name[len(path.name) + 2 : -len(".part")].partition("-")[0]
        try:
            if writer.isdigit():
                stale = not _alive(int(writer))
            else:
                stale = time.time() - part.stat().st_mtime > LEGACY_PART_SECONDS
            if stale:
                part.unlink()
                removed.append(part)
        except OSError:  # gone meanwhile, or not ours to remove: leave it
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    tmp = part_path(path)  # ordinary umask permissions
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def check_writable(folder: str | os.PathLike) -> Path:
    """Make ``folder`` (and its parents) and prove a file can be written there, before any work
    goes into what will be saved in it; :class:`~nst.errors.OptionError` in one line if not."""
    import tempfile

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".nst-probe-"):
            pass
    except OSError as exc:
        raise OptionError(f"cannot write to the output folder {folder}: {exc.strerror or exc}") from None
    return folder


def read_source(source: Any, name: str | None, *, kind: str, error: type[Exception], keep_path: bool = False):
    """(bytes, label) from a path, bytes or a binary file object, or ``error`` with one line
    naming the problem; ``keep_path``: a readable path comes back as ``str`` (read in pieces later)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = name or path.name
        if not path.exists():
            raise error(f"{label}: file not found")
        if path.is_dir():
            raise error(f"{label}: is a folder, not {'an' if kind[0] in 'aeiou' else 'a'} {kind} file")
        try:
            if path.stat().st_size == 0:
                raise error(f"{label}: file is empty")
            data = str(path) if keep_path else path.read_bytes()
        except OSError as exc:
            raise error(f"{label}: cannot read file ({exc.strerror or exc})") from None
        return data, label
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name or kind
    elif hasattr(source, "read"):
        data = source.read()
        label = name or Path(str(getattr(source, "name", kind))).name
        if not isinstance(data, (bytes, bytearray)):
            raise error(f"{label}: file object must be opened in binary mode")
        data = bytes(data)
    else:
        raise error(f"cannot read {'an' if kind[0] in 'aeiou' else 'a'} {kind} from a {type(source).__name__}")
    if not data:
        raise error(f"{label}: file is empty")
    return data, label
