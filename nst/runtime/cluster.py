"""Connecting to Ray: the cluster in ``RAY_ADDRESS``, or a Ray of our own on this machine."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def ray_session() -> Iterator[None]:
    """Ray for the body: ``RAY_ADDRESS``'s cluster, else a local Ray listening on 127.0.0.1 only;
    shut down (what we started) afterwards, also on an error or Ctrl-C."""
    import logging

    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")  # Ray's C++ notices, before it starts
    import ray

    address = os.environ.get("RAY_ADDRESS") or None
    local: dict[str, Any] = {} if address else {"_node_ip_address": "127.0.0.1"}
    # Ray's start-up and progress notices are noise on our command line; its logs stay in /tmp/ray
    ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR, **local)
    for name in ("ray", "ray.data", "ray.serve"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        yield
    finally:
        ray.shutdown()
