"""The user's library of learned styles: one ``.nststyle`` file per style in the platform's user
data folder (``platformdirs``), or ``NST_STYLE_DIR``. Adding writes a whole file or nothing;
a file that no longer reads is listed as damaged, never used."""

from __future__ import annotations

import os
import re
from pathlib import Path

from nst.errors import OptionError
from nst.styles.learned import MAX_FILE_BYTES, SUFFIX, LearnedStyle, StyleFileError, check_name

DIR_ENV = "NST_STYLE_DIR"


def library_folder() -> Path:
    """Where learned styles live: ``NST_STYLE_DIR``, else the user data folder's ``styles``."""
    from nst.config import config

    configured = config().style_dir
    if configured is not None:
        return configured
    import platformdirs

    return Path(platformdirs.user_data_dir("nst", appauthor=False)) / "styles"


def file_name(name: str) -> str:
    """The file of a style: its name in lower case, spaces as dashes (names differing only so clash)."""
    return re.sub(r"[\s_]+", "-", check_name(name).lower()) + SUFFIX


class StyleLibrary:
    """The learned styles in ``folder`` (default :func:`library_folder`), by name."""

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        self.folder = Path(folder) if folder is not None else library_folder()

    def path(self, name: str) -> Path:
        return self.folder / file_name(name)

    def names(self) -> list[str]:
        """Names of the styles that read back, sorted (damaged files are left out; see :meth:`damaged`)."""
        return sorted(style.name for style in self._read_all()[0])

    def styles(self) -> list[LearnedStyle]:
        return sorted(self._read_all()[0], key=lambda s: s.name.lower())

    def damaged(self) -> list[str]:
        """One line per file in the folder that does not read as a style."""
        return self._read_all()[1]

    def _read_all(self) -> tuple[list[LearnedStyle], list[str]]:
        good, bad = [], []
        for path in sorted(self.folder.glob(f"*{SUFFIX}")) if self.folder.is_dir() else []:
            try:
                good.append(read_style_file(path))
            except StyleFileError as exc:
                bad.append(str(exc))
        return good, bad

    def get(self, name: str) -> LearnedStyle:
        path = self.path(name)
        if not path.is_file():
            known = ", ".join(self.names()) or "none yet (nst style learn makes one)"
            raise OptionError(f"no learned style named {name!r}; learned styles: {known}")
        return read_style_file(path)

    def add(self, style: LearnedStyle, *, replace: bool = False) -> Path:
        """Save ``style`` (whole or not at all); an existing name is refused unless ``replace``."""
        from nst.io.files import write_atomic

        if not replace:
            self.check_free(style.name)
        path = self.path(style.name)
        self.folder.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, style.to_bytes())

    def check_free(self, name: str) -> None:
        """Refuse a name already taken (before minutes of learning, not after)."""
        if self.path(name).exists():
            raise StyleExists(f"a learned style named {name!r} exists; choose another name")

    def remove(self, name: str) -> None:
        path = self.path(name)
        if not path.is_file():
            raise OptionError(f"no learned style named {name!r}")
        path.unlink()


class StyleExists(OptionError):
    """A learned style of that name is in the library; each front end says how to replace it."""


def read_style_file(path: str | os.PathLike) -> LearnedStyle:
    """A style from a file, or :class:`StyleFileError` naming the file and the problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise StyleFileError(f"{path.name}: too large for a style file")
        data = path.read_bytes()
    except OSError as exc:
        raise StyleFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    return LearnedStyle.from_bytes(data, path.name)
