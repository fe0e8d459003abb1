"""Shared fixtures. The tests never download (hub models, VGG-19 weights) and never touch the user's caches
or learned styles."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# aiortc's SRTP binding (pylibsrtp, imported by the app through streamlit-webrtc) carries its own
# OpenSSL; loaded after TensorFlow, its calls bind to TensorFlow's BoringSSL and the process
# segfaults. The app imports it first; so must a test process that runs the app in-process.
import pylibsrtp  # noqa: F401
import pytest
from PIL import Image

from tests.helpers import ROOT
from tests.helpers.pictures import landscape, painting, write_random_vgg

os.environ.setdefault("TFHUB_CACHE_DIR", str(ROOT / ".pytest_cache" / "tfhub"))
os.environ["NST_OFFLINE"] = "1"
os.environ["NST_STYLE_DIR"] = tempfile.mkdtemp(prefix="nst-test-styles-")  # never the user's own library


@pytest.fixture(scope="session")
def vgg_npz(tmp_path_factory) -> Path:
    return write_random_vgg(tmp_path_factory.mktemp("vgg") / "encoder.npz")


@pytest.fixture(scope="session")
def content_image() -> Image.Image:
    return landscape()


@pytest.fixture(scope="session")
def style_image() -> Image.Image:
    return painting(1)


@pytest.fixture(scope="session")
def second_style() -> Image.Image:
    return painting(7)


@pytest.fixture(scope="session")
def magenta():
    """The embedded engine, loaded once for the whole run (as the app and CLI do)."""
    import nst

    return nst.get_engine("magenta")
