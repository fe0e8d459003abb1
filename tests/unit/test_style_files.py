"""Learned style files and the library: round trips, add/list/remove, and every bad file refused
in one line without changing the library."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from nst.errors import OptionError
from nst.styles.learned import LearnedStyle, StyleFileError, thumbnail_of
from nst.styles.library import StyleLibrary
from tests.helpers.pictures import painting

CODE_LENGTH = 990


def a_style(name: str = "Monet Haze", seed: int = 0) -> LearnedStyle:
    code = np.random.default_rng(seed).normal(0, 1, CODE_LENGTH).astype(np.float32)
    return LearnedStyle(name, code, thumbnail_of(painting(seed + 1)), {"steps": 3})


def rezipped(data: bytes, change) -> bytes:
    """A style file with its members passed through ``change(members) -> members``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, value in change(members).items():
            archive.writestr(name, value)
    return out.getvalue()


def with_header(data: bytes, **fields) -> bytes:
    def change(members):
        header = json.loads(members["style.json"])
        header.update(fields)
        return {**members, "style.json": json.dumps(header)}

    return rezipped(data, change)


def test_a_style_file_round_trips_exactly():
    style = a_style()
    back = LearnedStyle.from_bytes(style.to_bytes())
    assert back.name == style.name and back.settings == style.settings and back.thumbnail == style.thumbnail
    assert np.array_equal(back.code, style.code)
    assert len(style.to_bytes()) < 64 * 1024  # small: the scales and shifts and a thumbnail


def test_library_adds_lists_and_removes(tmp_path):
    library = StyleLibrary(tmp_path / "styles")
    assert library.names() == []
    library.add(a_style("Monet Haze"))
    library.add(a_style("Ink", seed=2))
    assert library.names() == ["Ink", "Monet Haze"]
    assert np.array_equal(library.get("monet haze").code, a_style("Monet Haze").code)  # names ignore case
    with pytest.raises(OptionError, match="exists"):
        library.add(a_style("Monet Haze", seed=5))
    library.add(a_style("Monet Haze", seed=5), replace=True)
    assert np.array_equal(library.get("Monet Haze").code, a_style(seed=5).code)
    library.remove("Ink")
    assert library.names() == ["Monet Haze"]
    with pytest.raises(OptionError, match="no learned style named 'Ink'"):
        library.remove("Ink")
    assert not list((tmp_path / "styles").glob("*.part*"))  # nothing half-written


GOOD = a_style().to_bytes()
BAD_FILES = {
    "empty": (b"", "empty"),
    "truncated": (GOOD[: len(GOOD) // 2], "truncated"),
    "not a zip": (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "not a style file"),
    "wrong version": (with_header(GOOD, version=99), "format version 99"),
    "wrong format": (with_header(GOOD, format="other"), "not a style file"),
    "short code": (with_header(GOOD, code_length=10), "length"),
    "bad name": (with_header(GOOD, name="../../etc/passwd"), "style name"),
    "extra member": (rezipped(GOOD, lambda m: {**m, "run.py": b"import os"}), "exactly"),
    "not json": (rezipped(GOOD, lambda m: {**m, "style.json": b"{nope"}), "not valid JSON"),
    "huge values": (
        rezipped(GOOD, lambda m: {**m, "code.f32": np.full(CODE_LENGTH, 1e30, "<f4").tobytes()}),
        "finite",
    ),
    "nan": (rezipped(GOOD, lambda m: {**m, "code.f32": np.full(CODE_LENGTH, np.nan, "<f4").tobytes()}), "finite"),
    "bomb member": (rezipped(GOOD, lambda m: {**m, "code.f32": b"\0" * (2 * 1024 * 1024)}), "too large"),
    "bad thumbnail": (rezipped(GOOD, lambda m: {**m, "thumbnail.png": b"GIF89a junk"}), "thumbnail"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_style_file_is_one_line_and_changes_nothing(tmp_path, case):
    import nst

    data, message = BAD_FILES[case]
    library = StyleLibrary()  # the test session's own folder (tests/conftest.py)
    before = sorted(p.name for p in library.folder.glob("*")) if library.folder.exists() else []
    with pytest.raises(StyleFileError, match=message) as info:
        nst.api.add_style(data, source="mine.nststyle")
    assert "\n" not in str(info.value) and str(info.value).startswith("mine.nststyle: ")
    after = sorted(p.name for p in library.folder.glob("*")) if library.folder.exists() else []
    assert after == before


def test_a_damaged_file_in_the_library_is_reported_not_used(tmp_path):
    library = StyleLibrary(tmp_path)
    library.add(a_style("Good"))
    (tmp_path / "broken.nststyle").write_bytes(b"not a zip")
    assert library.names() == ["Good"]
    assert library.damaged() == ["broken.nststyle: not a style file (made by nst style learn), or truncated"]


@pytest.mark.parametrize("name", ["", "7", "3:0.5", "a,b", "x" * 41, "-dash"])
def test_names_that_could_be_misread_are_refused(name):
    with pytest.raises(OptionError, match="style name"):
        a_style(name)
