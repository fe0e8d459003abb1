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
from typing import Any
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from nst.engines.contract import EngineBase, PreparedStyle, Settings, check_prepared
from nst.errors import EngineUnavailable
from nst.nets.magenta import style_input
from nst.ops.mix import fade
from nst.runtime.extras import MissingExtra, require
from nst.runtime.network import download_blocked
from nst.runtime.progress import CancelToken, ProgressCallback, Reporter, check_cancel
from nst.runtime.tf import import_tensorflow

DEFAULT_HANDLE = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"
HANDLE_ENV = "NST_TFHUB_HANDLE"


def resolve_handle(handle: str | None = None) -> str:
    """The handle to use: the argument, else ``NST_TFHUB_HANDLE``, else Google's official model."""
    from nst.config import config

    return handle or config().tfhub_handle or DEFAULT_HANDLE


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


class HubEngine(EngineBase):
    """Wraps the loaded SavedModel's ``(content_image, style_image) -> [image]`` signature; a
    prepared style is the styles' 256x256 predictor inputs and their blend weights."""

    name = "magenta-hub"
    description = "Google's official Magenta model from TF-Hub (needs internet once, or a local copy)"
    stride = 4  # the same network as magenta
    config_options = {"hub_handle": f"TF-Hub URL or local SavedModel folder (or set {HANDLE_ENV})"}

    def __init__(self, hub_handle: str | None = None) -> None:
        require("hub", "engine magenta-hub")
        self.handle = resolve_handle(hub_handle)
        check_loadable(self.handle)
        self._tf = import_tensorflow()
        import tensorflow_hub as hub

        try:
            self._model = hub.load(self.handle)
        except Exception as exc:  # network, format or signature problems: one line for the user
            lines = str(exc).strip().splitlines()
            raise EngineUnavailable(_offline_hint(self.handle, lines[0] if lines else type(exc).__name__)) from None

    @classmethod
    def cache_key(cls, hub_handle: str | None = None, **_: Any) -> tuple:
        return (resolve_handle(hub_handle),)

    @classmethod
    def unavailable_reason(cls, hub_handle: str | None = None, **_: Any) -> str | None:
        try:
            require("hub", "engine magenta-hub")
        except MissingExtra as exc:
            return str(exc)
        try:
            check_loadable(resolve_handle(hub_handle))
        except EngineUnavailable:
            return "Google's model must be downloaded once, and this server has no internet connection."
        return None

    def prepare(self, styles: list[Image.Image], weights: np.ndarray) -> PreparedStyle:
        return PreparedStyle.of(
            self.name, images=np.stack([style_input(s) for s in styles]), weights=np.asarray(weights, np.float32)
        )

    def _run(self, content: np.ndarray, style: np.ndarray) -> np.ndarray:
        tf = self._tf
        out = self._model(tf.constant(content[None]), tf.constant(style[None]))
        return np.asarray(out[0])[0]

    def render(
        self,
        content: np.ndarray,
        style: PreparedStyle,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        check_prepared(style, self.name)
        report = Reporter(progress, len(style["weights"]), "style")
        parts = []
        for done, (weight, image) in enumerate(zip(style["weights"], style["images"], strict=True)):
            check_cancel(cancel)
            parts.append(weight * self._run(content, image))
            report(done + 1)
        out = np.sum(parts, axis=0)[: content.shape[0], : content.shape[1]]
        return fade(out, content, settings.strength)
