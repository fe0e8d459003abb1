"""Silence file descriptor 2 while native code (TensorFlow start-up, libtiff) prints to it.

Reference-counted: with several threads inside at once, the first in redirects and the last
out restores, so the real stderr always comes back.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

_lock = threading.Lock()
_depth = 0
_saved: int | None = None


@contextlib.contextmanager
def stderr_silenced():
    global _depth, _saved
    with _lock:
        if _depth == 0:
            try:
                sys.stderr.flush()
                _saved = os.dup(2)
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 2)
            except (OSError, ValueError):  # no real stderr: nothing to silence
                _saved = None
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                os.dup2(_saved, 2)
                os.close(_saved)
                _saved = None
