"""A learned style: the preset network's scales and shifts for one new painting (issue 23), as
a small file that is checked in full before anything uses it.

A ``.nststyle`` file is a zip of three members: ``style.json`` (format version, name, code
length, the settings it was learned with), ``code.f32`` (the code, little-endian float32) and
``thumbnail.png``. Reading never trusts the file: its size and every member's declared size are
bounded before anything is decompressed, the JSON's fields and the code's values are checked,
and the thumbnail is decoded with the same checks as any uploaded picture.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nst.errors import OptionError

FORMAT_VERSION = 1
SUFFIX = ".nststyle"
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_MEMBER_BYTES = {"style.json": 64 * 1024, "code.f32": 256 * 1024, "thumbnail.png": 1024 * 1024}
MAX_CODE_VALUE = 1e3  # learned scales and shifts stay within a few units; larger is a broken file
THUMBNAIL_SIDE = 128
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,39}$")


class StyleFileError(OptionError):
    """A style file that cannot be used (one line that names the file and the problem)."""


def check_name(name: Any) -> str:
    """A learned style's name: 1-40 letters, digits, spaces, - or _, starting with a letter (so
    it can never be read as a built-in style's number or a blend)."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name.strip()):
        raise OptionError(f"style name {name!r} must be 1-40 letters, digits, spaces, - or _, starting with a letter")
    return name.strip()


@dataclass(frozen=True, eq=False)
class LearnedStyle:
    """A new style for the ``preset`` network: its code (every norm's scale and shift), a
    thumbnail of the painting, and how it was learned."""

    name: str
    code: np.ndarray
    thumbnail: bytes = b""
    settings: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name)
        code = np.asarray(self.code, np.float32)
        if code.ndim != 1 or not np.all(np.isfinite(code)) or np.abs(code).max(initial=0) > MAX_CODE_VALUE:
            raise OptionError("a learned style's code must be a finite vector")
        object.__setattr__(self, "code", code)

    @property
    def digest(self) -> str:
        """What tells two learned styles apart (their codes), for caches."""
        import hashlib

        return hashlib.sha256(self.name.encode() + self.code.tobytes()).hexdigest()

    def __repr__(self) -> str:
        return f"LearnedStyle({self.name!r}, {self.digest[:16]})"

    def code_for(self, length: int) -> np.ndarray:
        """The code, checked against the network's code length."""
        if self.code.shape[0] != length:
            raise OptionError(f"style {self.name!r} has {self.code.shape[0]} numbers; this network takes {length}")
        return self.code

    def to_bytes(self) -> bytes:
        header = {
            "format": "nst-style",
            "version": FORMAT_VERSION,
            "name": self.name,
            "engine": "preset",
            "code_length": int(self.code.shape[0]),
            "settings": self.settings,
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("style.json", json.dumps(header, indent=1))
            archive.writestr("code.f32", self.code.astype("<f4").tobytes())
            archive.writestr("thumbnail.png", self.thumbnail)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "style file") -> LearnedStyle:
        """A style read back, or :class:`StyleFileError` naming ``source`` and what is wrong."""

        def bad(problem: str) -> StyleFileError:
            return StyleFileError(f"{source}: {problem}")

        if not isinstance(data, (bytes, bytearray)) or not data:
            raise bad("empty, not a style file")
        if len(data) > MAX_FILE_BYTES:
            raise bad(f"too large for a style file ({len(data) // 1024} KB; at most {MAX_FILE_BYTES // 1024})")
        try:
            archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
            members = {info.filename: info for info in archive.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError):
            raise bad("not a style file (made by nst style learn), or truncated") from None
        if set(members) != set(MAX_MEMBER_BYTES):
            raise bad("not a style file: it does not hold exactly style.json, code.f32 and thumbnail.png")
        for name, limit in MAX_MEMBER_BYTES.items():
            if members[name].file_size > limit:
                raise bad(f"{name} is too large ({members[name].file_size} bytes)")
        try:
            parts = {name: archive.read(name) for name in MAX_MEMBER_BYTES}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise bad("damaged or truncated") from None
        try:
            header = json.loads(parts["style.json"])
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise bad("its description is not valid JSON") from None
        if not isinstance(header, dict) or header.get("format") != "nst-style":
            raise bad("not a style file (made by nst style learn)")
        if header.get("version") != FORMAT_VERSION:
            raise bad(f"format version {header.get('version')!r}; this nst reads version {FORMAT_VERSION}")
        raw = parts["code.f32"]
        length = header.get("code_length")
        if not isinstance(length, int) or len(raw) != 4 * length:
            raise bad("its code does not have the length it declares")
        settings = header.get("settings", {})
        if not isinstance(settings, dict):
            raise bad("its settings are not a JSON object")
        if parts["thumbnail.png"]:
            from nst.errors import ImageError
            from nst.io.images import load_image

            try:
                load_image(parts["thumbnail.png"], name="thumbnail")
            except ImageError as exc:
                raise bad(str(exc)) from None
        try:
            return cls(str(header.get("name") or ""), np.frombuffer(raw, "<f4"), parts["thumbnail.png"], settings)
        except OptionError as exc:
            raise bad(str(exc)) from None


def thumbnail_of(image) -> bytes:
    """PNG bytes of a painting's thumbnail (long side ``THUMBNAIL_SIDE``)."""
    from nst.io.images import encode, fit

    return encode(fit(image.convert("RGB"), THUMBNAIL_SIDE), "PNG")
