"""Where the app's pictures are painted, chosen once per process: the models in this process, or
a style server (``NST_SERVER_URL``) that answers the same :class:`Request`.

Models load once per process (``st.cache_resource``) and finished results are reused from a
shared, size-bounded cache keyed by everything that makes the picture.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from PIL import Image

import nst
from nst.config import config
from nst.engines import default_engine, describe, unavailable_reason
from nst.io import images
from nst.request.model import Request
from nst.runtime.cache import LRUCache
from nst.service.client import RemoteService

GALLERY_SIDE = 200  # px: the gallery's tiles


@st.cache_resource(show_spinner="Loading the style model (first time only)...")
def load_engine(name: str) -> Any:
    """One engine per process, shared by every session (nst engines are thread-safe)."""
    engine = nst.get_engine(name)
    # Streamlit collects garbage after every run (Keras' clear_session); the loaded model's
    # objects live as long as the process, so they are left out of those collections.
    gc.freeze()
    return engine


@st.cache_resource(ttl=600, show_spinner=False)
def local_problem(name: str) -> str | None:
    return unavailable_reason(name)


@st.cache_resource(ttl=30, show_spinner=False)
def remote_engines(url: str) -> dict[str, dict] | str:
    """The style server's engines, or why it cannot be asked; asked again after 30 s."""
    try:
        return RemoteService(url).engines()
    except nst.NSTError as exc:
        return str(exc)


class Backend:
    """The models in this process: progress, previews, Cancel, video and learning all work."""

    remote = False

    def problem(self, engine: str) -> str | None:
        """Why ``engine`` cannot run (None if it can); checked at most every 10 minutes."""
        return local_problem(engine)

    def runner(self, engine: str) -> Any:
        """The loaded engine (for its note and whether it optimizes); None where it is remote."""
        return load_engine(engine)

    def render(self, request: Request, on_queue: Callable | None, progress: Callable | None) -> Image.Image:
        return nst.api.run(request, on_queue=on_queue, progress=progress)

    def gallery(self, content: bytes) -> list[bytes]:
        load_engine(default_engine("builtin"))
        return [images.encode(tile, "PNG") for tile in nst.preset_gallery(content, size=GALLERY_SIDE)]


class RemoteBackend(Backend):
    """A style server: photos and the gallery go over HTTP; no progress or Cancel from it."""

    remote = True

    def __init__(self, url: str):
        self.url = url
        self.service = RemoteService(url)

    def problem(self, engine: str) -> str | None:
        engines = remote_engines(self.url)
        if isinstance(engines, str):
            return engines
        if engine not in engines:
            return "the style server does not offer it."
        return None if engines[engine]["available"] else engines[engine]["reason"]

    def runner(self, engine: str) -> Any:
        return None

    def render(self, request: Request, on_queue: Callable | None, progress: Callable | None) -> Image.Image:
        return self.service.run(request)

    def gallery(self, content: bytes) -> list[bytes]:
        count = len(describe(default_engine("builtin")).builtin_styles)
        return [images.encode(self.service.stylize(content, preset=i, size=GALLERY_SIDE), "PNG") for i in range(count)]


@st.cache_resource
def backend() -> Backend:
    """The one backend of this process, from ``NST_SERVER_URL``."""
    url = (config().server_url or "").strip()
    return RemoteBackend(url) if url else Backend()


@st.cache_resource
def result_cache() -> LRUCache:
    """Finished results (PNG bytes, size, seconds) by :func:`request_key`, shared by every
    session: ``NST_RESULT_CACHE`` entries (default 32; 0 turns reuse off, e.g. for load tests)
    and at most 256 MB of PNGs (full-size ones can be tens of MB)."""
    return LRUCache(config().result_cache, 256 * 2**20, lambda v: len(v[0]))


def request_key(request: Request) -> str:
    """A digest of everything that makes the picture: pictures by their bytes' digests, learned
    styles by theirs, every other field by its value."""
    digest = hashlib.sha256()

    def add(value: Any) -> None:
        if isinstance(value, (bytes, bytearray)):
            digest.update(b"bytes" + hashlib.sha256(value).digest())
        elif isinstance(value, (list, tuple)):
            digest.update(b"[")
            for item in value:
                add(item)
            digest.update(b"]")
        elif hasattr(value, "digest"):  # a learned style
            digest.update(b"style" + str(value.digest).encode())
        else:
            digest.update(repr(value).encode())

    for name in Request.model_fields:
        digest.update(name.encode())
        add(getattr(request, name))
    return digest.hexdigest()


def stylize_once(
    request: Request, on_queue: Callable | None = None, progress: Callable | None = None
) -> tuple[bytes, tuple[int, int], float]:
    """PNG bytes of the result, its size and the seconds it took; the same request is served
    from the shared cache, not painted again."""
    key = request_key(request)
    cached = result_cache().get(key)
    if cached is not None:
        return cached
    where = backend()
    if request.engine is not None:
        where.runner(request.engine)  # loaded first: the seconds shown are the painting's, not the load's
    start = time.perf_counter()
    result = where.render(request, on_queue, progress)
    value = (images.encode(result, "PNG"), result.size, time.perf_counter() - start)
    result_cache().put(key, value)
    return value


@st.cache_data(max_entries=8, show_spinner="Painting your photo in every built-in style...")
def gallery_tiles(content: bytes) -> list[bytes]:
    return backend().gallery(content)


@st.cache_data(max_entries=64, show_spinner=False)
def learned_tile(content: bytes, digest: str, _style: Any) -> bytes:
    """A learned style's gallery tile on the photo (``digest`` keys the cache: the style itself is not hashed)."""
    return images.encode(nst.stylize(content, preset=_style, size=GALLERY_SIDE), "PNG")
