"""A bound on simultaneous inferences, so a server's memory stays predictable under many users.

Each inference can take gigabytes at full resolution; with ``NST_MAX_CONCURRENT`` slots
(default: one per two CPU cores, at least one) the rest wait in line, and a caller can be
told that it is waiting (the app shows "queued").
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator

MAX_ENV = "NST_MAX_CONCURRENT"


def default_slots() -> int:
    value = os.environ.get(MAX_ENV, "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return max(1, (os.cpu_count() or 2) // 2)


class InferenceSlots:
    def __init__(self, count: int):
        self.count = count
        self._free = threading.BoundedSemaphore(count)
        self._lock = threading.Lock()
        self.waiting = 0

    @contextlib.contextmanager
    def hold(self, on_queue: Callable[[int], None] | None = None) -> Iterator[None]:
        """Run the body in a slot; if none is free, call ``on_queue(people waiting)`` and wait."""
        if not self._free.acquire(blocking=False):
            with self._lock:
                self.waiting += 1
                position = self.waiting
            try:
                if on_queue is not None:
                    on_queue(position)
                self._free.acquire()
            finally:
                with self._lock:
                    self.waiting -= 1
        try:
            yield
        finally:
            self._free.release()


_slots: InferenceSlots | None = None
_slots_lock = threading.Lock()


def inference_slots() -> InferenceSlots:
    """The process-wide slots (created on first use, sized from the environment)."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = InferenceSlots(default_slots())
        return _slots
