"""Admission: a bound on simultaneous stylizations, so a server's memory is set by its
configuration, not by the mix of requests.

A request holds a slot from decoding its pictures to encoding its result (a 7000x7000 PNG
decodes to 150 MB before it is shrunk); with ``NST_MAX_CONCURRENT`` slots (default: one per two
CPU cores, at least one) the rest wait in line, can be told so (the app shows "queued"), and
stop waiting when they are cancelled (their client left). A long job (an optimizer) gives its slot
way between steps to a cheaper one waiting (:func:`give_way`), so a photo does not wait minutes
behind a Gatys request.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nst.runtime.progress import CancelToken, check_cancel

POLL_SECONDS = 0.1  # how soon a waiting request notices that it was cancelled

_holding = threading.local()  # the slot this thread holds (a _Held), for give_way


def default_slots() -> int:
    from nst.config import config

    return config().max_concurrent or max(1, (os.cpu_count() or 2) // 2)


class InferenceSlots:
    """``count`` slots, given to those waiting smallest ``cost`` first (then first come): a
    phone photo is not kept behind a queue of 50-megapixel uploads. ``held_seconds`` is a
    running average of how long a slot is held (the service time, without the wait for a slot;
    None until one is released): what a server tells a client to wait."""

    def __init__(self, count: int):
        self.count = count
        self._free = count
        self._lock = threading.Condition()
        self._line: list[tuple[float, int]] = []  # (cost, arrival) of those waiting, a heap
        self._arrivals = itertools.count()
        self.held_seconds: float | None = None

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._line)

    def wait_estimate(self, unknown: float = 2.0) -> float:
        """About how long until a refused request would be let in: one measured service time
        (``unknown`` before any was measured). A slot's holder is somewhere in its job, and the
        line moves in whatever order costs say: benchmarks/RESULTS-hostile.md compares it with
        the waits measured under attack."""
        with self._lock:
            return self.held_seconds if self.held_seconds is not None else unknown

    @contextlib.contextmanager
    def hold(
        self, on_queue: Callable[[int], None] | None = None, cancel: CancelToken | None = None, cost: float = 0.0
    ) -> Iterator[None]:
        """Run the body in a slot; if none is free, call ``on_queue(people waiting)`` and wait,
        until a slot frees for this ``cost`` or ``cancel`` is set (then
        :class:`~nst.runtime.progress.Cancelled`)."""
        with self._lock:
            ticket = (cost, next(self._arrivals))
            queued = self._free == 0 or bool(self._line)
            if not queued:
                self._free -= 1
            else:
                heapq.heappush(self._line, ticket)
                position = len(self._line)
        if queued:
            if on_queue is not None:
                on_queue(position)
            self._wait(ticket, cancel)
        start, outer = time.perf_counter(), getattr(_holding, "held", None)
        mine = _Held(self, ticket, cancel)
        _holding.held = mine
        try:
            yield
        finally:
            held = time.perf_counter() - start - mine.given_seconds
            _holding.held = outer
            if mine.holding:  # not when cancelled while it had given its slot way
                with self._lock:
                    self._free += 1
                    self.held_seconds = held if self.held_seconds is None else 0.8 * self.held_seconds + 0.2 * held
                    self._lock.notify_all()

    def _give_way(self, mine: _Held) -> None:
        with self._lock:
            if not self._line or self._line[0][0] >= mine.ticket[0]:
                return
            self._free += 1
            mine.holding = False
            heapq.heappush(self._line, mine.ticket)  # back in line with its cost and first arrival
            self._lock.notify_all()
        start = time.perf_counter()
        self._wait(mine.ticket, mine.cancel)
        mine.holding = True
        mine.given_seconds += time.perf_counter() - start

    def _wait(self, ticket: tuple[float, int], cancel: CancelToken | None) -> None:
        with self._lock:
            try:
                while not (self._free > 0 and self._line[0] == ticket):
                    self._lock.wait(POLL_SECONDS)
                    check_cancel(cancel)
            except BaseException:
                self._line.remove(ticket)
                heapq.heapify(self._line)
                self._lock.notify_all()
                raise
            heapq.heappop(self._line)
            self._free -= 1
            self._lock.notify_all()  # the next in line may take another free slot


@dataclass
class _Held:
    """A slot held by this thread: whose, its place in line, and whether it is given way now."""

    slots: InferenceSlots
    ticket: tuple[float, int]
    cancel: CancelToken | None
    holding: bool = True
    given_seconds: float = 0.0


def give_way() -> None:
    """Between the steps of a long job: if a cheaper job waits for the slot this thread holds,
    let it (and any other cheaper) run first, then carry on; its state stays in memory meanwhile.
    :class:`~nst.runtime.progress.Cancelled` if its cancel token is set while it waits; nothing
    outside a slot."""
    mine = getattr(_holding, "held", None)
    if mine is not None:
        mine.slots._give_way(mine)


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
