"""The ``magenta-hub`` engine: Google's official model, loaded through ``tensorflow_hub``.

The handle is a URL (downloaded once into the TF-Hub cache) or a local SavedModel folder.
Offline, an uncached URL fails in seconds with a message saying how to use a local copy,
instead of hanging inside a download. The Hub signature takes images, not style vectors,
so several styles are blended by averaging their outputs, and strength fades toward the
content in pixels (the ``magenta`` engine does both in style-vector space).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from nst.errors import EngineUnavailable
from nst.magenta_engine import style_input
from nst.network import download_blocked
from nst.tf_runtime import import_tensorflow

DEFAULT_HANDLE = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"
HANDLE_ENV = "NST_TFHUB_HANDLE"


def resolve_handle(handle: str | None = None) -> str:
    """The handle to use: the argument, else ``NST_TFHUB_HANDLE``, else Google's official model."""
    return handle or os.environ.get(HANDLE_ENV) or DEFAULT_HANDLE


def cached_dir(handle: str) -> Path:
    """Where tensorflow_hub keeps a downloaded URL handle (same rule as its resolver)."""
    root = os.environ.get("TFHUB_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "tfhub_modules")
    return Path(root) / hashlib.sha1(handle.encode("utf8")).hexdigest()


def _offline_hint(handle: str, reason: str) -> str:
    return (
        f"cannot download the TF-Hub model {handle} ({reason}); "
        f"download it where there is internet and pass its folder with --hub-handle DIR or {HANDLE_ENV}=DIR"
    )


def check_loadable(handle: str) -> None:
    """Raise :class:`EngineUnavailable` at once if ``hub.load(handle)`` could only hang or fail."""
    if "://" not in handle:
        path = Path(handle).expanduser()
        if not (path / "saved_model.pb").is_file():
            raise EngineUnavailable(f"TF-Hub handle {handle}: no SavedModel (saved_model.pb) in that folder")
        return
    url = urlparse(handle)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise EngineUnavailable(f"TF-Hub handle {handle}: use an https:// URL or a local SavedModel folder")
    if (cached_dir(handle) / "saved_model.pb").is_file():
        return
    blocked = download_blocked(url.hostname, url.port or 443)
    if blocked:
        raise EngineUnavailable(_offline_hint(handle, blocked))


class HubEngine:
    """Wraps the loaded SavedModel's ``(content_image, style_image) -> [image]`` signature."""

    name = "magenta-hub"

    def __init__(self, handle: str | None = None) -> None:
        self.handle = resolve_handle(handle)
        check_loadable(self.handle)
        self._tf = import_tensorflow()
        try:
            import tensorflow_hub as hub
        except ImportError as exc:
            raise EngineUnavailable(f"tensorflow_hub is not installed ({exc})") from None
        try:
            self._model = hub.load(self.handle)
        except Exception as exc:  # network, format or signature problems: one line for the user
            lines = str(exc).strip().splitlines()
            raise EngineUnavailable(_offline_hint(self.handle, lines[0] if lines else type(exc).__name__)) from None

    def _run(self, content: np.ndarray, style: np.ndarray) -> np.ndarray:
        tf = self._tf
        out = self._model(tf.constant(content[None]), tf.constant(style[None]))
        return np.asarray(out[0])[0]

    def stylize(
        self, content: Image.Image, styles: list[Image.Image], weights: np.ndarray, strength: float
    ) -> np.ndarray:
        pixels = np.asarray(content, dtype=np.float32) / 255.0
        out = sum(w * self._run(pixels, style_input(s)) for w, s in zip(weights, styles, strict=True))
        out = out[: pixels.shape[0], : pixels.shape[1]]
        return strength * out + (1.0 - strength) * pixels
