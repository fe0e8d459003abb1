"""Admission: a bound on simultaneous stylizations, so a server's memory is set by its
configuration, not by the mix of requests.

A request holds a slot from decoding its pictures to encoding its result (a 7000x7000 PNG
decodes to 150 MB before it is shrunk); with ``NST_MAX_CONCURRENT`` slots (default: one per two
CPU cores, at least one) the rest wait in line, can be told so (the app shows "queued"), and
stop waiting when they are cancelled (their client left).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator

from nst.runtime.progress import CancelToken, check_cancel

POLL_SECONDS = 0.1  # how soon a waiting request notices that it was cancelled


def default_slots() -> int:
    from nst.config import config

    return config().max_concurrent or max(1, (os.cpu_count() or 2) // 2)


class InferenceSlots:
    """``count`` slots; ``held_seconds`` is a running average of how long a slot is held (the
    service time, without the wait for a slot; None until one is released): what a server tells
    a client to wait."""

    def __init__(self, count: int):
        self.count = count
        self._free = threading.BoundedSemaphore(count)
        self._lock = threading.Lock()
        self.waiting = 0
        self.held_seconds: float | None = None

    def wait_estimate(self, ahead: int, unknown: float = 2.0) -> float:
        """Seconds until a slot is free for one who comes after ``ahead`` others waiting
        (``unknown``: the service time assumed before any was measured)."""
        with self._lock:
            held = self.held_seconds if self.held_seconds is not None else unknown
        return held * (ahead + 1) / self.count

    @contextlib.contextmanager
    def hold(self, on_queue: Callable[[int], None] | None = None, cancel: CancelToken | None = None) -> Iterator[None]:
        """Run the body in a slot; if none is free, call ``on_queue(people waiting)`` and wait,
        until a slot frees or ``cancel`` is set (then :class:`~nst.runtime.progress.Cancelled`)."""
        if not self._free.acquire(blocking=False):
            with self._lock:
                self.waiting += 1
                position = self.waiting
            try:
                if on_queue is not None:
                    on_queue(position)
                while not self._free.acquire(timeout=POLL_SECONDS):
                    check_cancel(cancel)
            finally:
                with self._lock:
                    self.waiting -= 1
        start = time.perf_counter()
        try:
            yield
        finally:
            self._free.release()
            held = time.perf_counter() - start
            with self._lock:
                self.held_seconds = held if self.held_seconds is None else 0.8 * self.held_seconds + 0.2 * held


_slots: InferenceSlots | None = None
_slots_lock = threading.Lock()


def inference_slots() -> InferenceSlots:
    """The process-wide slots (created on first use, sized from the environment)."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = InferenceSlots(default_slots())
        return _slots


_previews = InferenceSlots(1)


def preview_slots() -> InferenceSlots:
    """One preview decoded at a time (an upload's thumbnail, the canvas under a mask), beside the
    inference slots: a preview never waits behind a render, and what the previews of many
    sessions hold at once is one picture, whatever they upload."""
    return _previews
