"""Progress reports and cancellation, the same for every engine and every front end."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nst.errors import NSTError, OptionError


class Cancelled(NSTError):
    """A render was cancelled before it produced a usable picture."""


class CancelToken:
    """Set from any thread (a Cancel button, Ctrl-C, a closed connection); engines check it
    between tiles or iterations."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def check_cancel(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if the token says stop (engines call it between units of work)."""
    if cancel is not None and cancel.cancelled:
        raise Cancelled("cancelled")


def as_cancel_token(cancel: CancelToken | Callable[[], bool] | None) -> CancelToken | None:
    """A token from a token, or from a ``should_stop()`` callable (polled when engines check)."""
    if cancel is None or isinstance(cancel, CancelToken):
        return cancel
    if not callable(cancel):
        raise OptionError("cancel must be a CancelToken or a function returning True to stop")

    should_stop = cancel

    class Polled(CancelToken):
        @property
        def cancelled(self) -> bool:
            return bool(should_stop())

    return Polled()


@dataclass(frozen=True)
class Progress:
    """One report: ``done`` of ``total`` units (tiles or iterations); ``preview`` (float HxWx3)
    now and then, ``losses`` where the engine optimizes. ``part`` (start, share): these units
    are that share of a larger job begun ``seconds`` ago (see :func:`in_parts`). ``work``: the
    share of the job's work done, where its units differ in cost (an optimizer's iterations on
    a small picture, then on a large one), so the bar and the time left follow the work."""

    done: int
    total: int
    unit: str
    seconds: float
    stage: str = ""
    preview: np.ndarray | None = None
    losses: Mapping[str, float] = field(default_factory=dict)
    part: tuple[float, float] = (0.0, 1.0)
    work: float | None = None
    # (fraction, seconds) at the job's first report: the rate is measured from there, since the
    # first unit also pays for one-time set-up (tracing a graph, warming caches)
    since: tuple[float, float] | None = None

    @property
    def single(self) -> bool:
        """The whole job is one step: nothing to show a bar for."""
        return self.total <= 1 and self.part == (0.0, 1.0)

    @property
    def fraction(self) -> float:
        """Of the whole job."""
        start, share = self.part
        done = self.work if self.work is not None else self.done / max(1, self.total)
        return min(1.0, start + share * done)

    @property
    def seconds_left(self) -> float | None:
        """Estimated time to go, from the rate so far (None before the first unit)."""
        fraction = self.fraction
        if self.done <= 0 or fraction <= 0:
            return None
        if self.since is not None:
            first, at = self.since
            if fraction <= first:
                return None  # one report so far: no rate yet
            return max(0.0, self.seconds - at) * (1.0 - fraction) / (fraction - first)
        return self.seconds * (1.0 - fraction) / fraction


ProgressCallback = Callable[[Progress], None]


def in_parts(callback: ProgressCallback | None, shares: list[float], stages: list[str]) -> list:
    """Callbacks for consecutive parts of one job (``shares`` of its work, summing to 1): each
    part's reports become reports of the whole, timed from when the first part began."""
    if callback is None:
        return [None] * len(shares)
    begun = time.perf_counter()
    starts = np.concatenate([[0.0], np.cumsum(shares)[:-1]])

    def part(start: float, share: float, stage: str) -> ProgressCallback:
        def report(p: Progress) -> None:
            seconds = time.perf_counter() - begun
            callback(dataclasses.replace(p, seconds=seconds, stage=p.stage or stage, part=(start, share)))

        return report

    return [part(float(a), float(s), t) for a, s, t in zip(starts, shares, stages, strict=True)]


class Reporter:
    """Turns an engine's "n of total done" into :class:`Progress` calls, with the elapsed time."""

    def __init__(self, callback: ProgressCallback | None, total: int, unit: str) -> None:
        self.callback, self.total, self.unit = callback, max(1, total), unit
        self.start = time.perf_counter()
        self.first: tuple[float, float] | None = None

    def __call__(self, done: int, **details: Any) -> None:
        if self.callback is None:
            return
        report = Progress(done, self.total, self.unit, time.perf_counter() - self.start, **details)
        if self.first is None:
            self.first = (report.fraction, report.seconds)
        self.callback(dataclasses.replace(report, since=self.first))

    def preparing(self, stage: str) -> None:
        """Nothing done yet, and what is being set up (a first unit that comes late is not silent)."""
        if self.callback is not None:
            self.callback(Progress(0, self.total, self.unit, time.perf_counter() - self.start, stage=stage))
