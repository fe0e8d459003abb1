"""Whether a download can work: ``NST_OFFLINE=1``, or a short connect probe to the host.

Code that fetches weights at run time (TF-Hub, VGG-19) asks here first, so offline it fails
or falls back in seconds instead of hanging inside a download.
"""

from __future__ import annotations

import socket

OFFLINE_ENV = "NST_OFFLINE"  # set to 1: never try a download
PROBE_TIMEOUT_S = 3.0


def download_blocked(host: str, port: int = 443, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Why a download from ``host`` cannot work now (one line), or None if it may."""
    from nst.config import config

    if config().offline:
        return f"{OFFLINE_ENV}=1"
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return f"{host} unreachable: {exc.strerror or exc}"
    return None
