"""Optional parts of the install (``pip install 'nst[serve]'`` and the like): a command whose
part is missing says in one line which extra brings it, before it starts any work."""

from __future__ import annotations

import importlib.util

from nst.errors import EngineUnavailable

# extra -> the modules it installs that our code imports (pyproject.toml lists the packages)
EXTRAS = {
    "app": ("streamlit", "streamlit_drawable_canvas"),
    "serve": ("fastapi", "uvicorn", "httptools", "multipart", "prometheus_client"),
    "ray": ("ray",),
    "video": ("av", "cv2"),
    "live": ("streamlit_webrtc", "aiortc"),
    "hub": ("tensorflow_hub", "tf_keras"),
}


class MissingExtra(EngineUnavailable):
    """A part of the install that a command or an engine needs is not installed."""


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtra` naming ``extra`` if any of its modules is missing: ``what``
    says what needs it (``"nst serve"``)."""
    missing = [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtra(
            f"{what} needs the '{extra}' extra ({missing[0]} is not installed): pip install 'nst[{extra}]'"
        )
