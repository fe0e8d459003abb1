"""Connecting to Ray: the cluster in ``RAY_ADDRESS``, or a Ray of our own on this machine.

A Ray of our own listens on the loopback only. ``_node_ip_address`` alone leaves Ray's GCS,
raylet, workers and agents listening on every interface; Ray's single-machine mode (the one it
uses on macOS and Windows, ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) binds them all to
127.0.0.1. Ray reads it when it is imported, so nothing here imports Ray before the session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

LOCAL_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@contextlib.contextmanager
def ray_session() -> Iterator[None]:
    """Ray for the body: ``RAY_ADDRESS``'s cluster, else a local Ray listening on 127.0.0.1 only;
    shut down (what we started) afterwards, also on an error or Ctrl-C."""
    import logging

    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")  # Ray's C++ notices, before it starts
    address = os.environ.get("RAY_ADDRESS") or None
    if address is None:
        if "ray" in sys.modules:
            raise RuntimeError("Ray was imported before its session: it would listen on every interface")
        os.environ[LOCAL_ONLY_ENV] = "0"
    import ray

    local: dict[str, Any] = {} if address else {"_node_ip_address": "127.0.0.1"}
    # Ray's start-up and progress notices are noise on our command line; its logs stay in /tmp/ray
    ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR, **local)
    for name in ("ray", "ray.data", "ray.serve"):
        logging.getLogger(name).setLevel(logging.ERROR)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # Ray's start installs a SIGTERM handler that dumps a stack and aborts, leaving its agents
        # up; SIGTERM stops the body as Ctrl-C does instead, and Ray is shut down below.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        ray.shutdown()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt
