"""Installs that fit each use: the core install stylizes photos from the command line, and a
command whose extra is missing says in one line which one to install. A missing package is
simulated in the real ``nst`` process: a ``sitecustomize`` marks its modules as absent, which
is what Python's import system sees when the package is not installed."""

from __future__ import annotations

import os

import pytest

from nst.runtime.extras import EXTRAS
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting

HIDE = "import os, sys\nfor name in os.environ['NST_TEST_ABSENT'].split(','):\n    sys.modules[name] = None\n"


@pytest.fixture
def without(tmp_path, monkeypatch):
    """``without(*modules)``: the next ``nst`` run behaves as if they were not installed."""
    (tmp_path / "sitecustomize.py").write_text(HIDE)

    def hide(*modules: str) -> None:
        monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
        monkeypatch.setenv("NST_TEST_ABSENT", ",".join(modules))

    return hide


def test_the_core_install_stylizes_a_photo_with_no_extra(without, tmp_path):
    without(*(m for modules in EXTRAS.values() for m in modules))
    landscape(160, 120).save(tmp_path / "photo.png")
    done = run_cli(tmp_path / "photo.png", "--preset", "19", "--size", "128", "-o", tmp_path / "out.png")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.png").is_file()


@pytest.mark.parametrize(
    "args,absent,message",
    [
        (["serve"], "fastapi",
         "nst serve needs the 'serve' extra (fastapi is not installed): pip install 'nst[serve]'"),
        (["serve"], "httptools",  # uvicorn without its C parser: the header deadline needs it
         "nst serve needs the 'serve' extra (httptools is not installed): pip install 'nst[serve]'"),
        (["serve", "--ray"], "ray",
         "nst serve --ray needs the 'ray' extra (ray is not installed): pip install 'nst[ray]'"),
        (["video", "{t}/clip.mp4", "-o", "{t}/out.mp4", "--preset", "3"], "av",
         "nst video needs the 'video' extra (av is not installed): pip install 'nst[video]'"),
        (["batch", "{t}", "{t}/out", "--preset", "3", "--ray"], "ray",
         "nst batch --ray needs the 'ray' extra (ray is not installed): pip install 'nst[ray]'"),
        (["{t}/photo.png", "-s", "{t}/style.png", "--engine", "magenta-hub"], "tensorflow_hub",
         "engine magenta-hub needs the 'hub' extra (tensorflow_hub is not installed): pip install 'nst[hub]'"),
    ],
)  # fmt: skip
def test_a_missing_extra_is_named_in_one_line(without, tmp_path, args, absent, message):
    landscape(160, 120).save(tmp_path / "photo.png")
    painting(2).save(tmp_path / "style.png")
    without(absent)
    done = run_cli(*[a.format(t=tmp_path) for a in args])
    assert done.returncode == 2 and done.stderr.strip() == f"nst: error: {message}", done.stderr


def test_every_extra_the_code_names_is_one_the_package_declares():
    import tomllib

    from tests.helpers import ROOT

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(declared) and "all" in declared
