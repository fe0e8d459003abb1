"""Where the HTTP service's jobs run: in this process (worker threads within the inference
slots), or on Ray Serve replicas (nst.service.ray). Both refuse work fast when full."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from nst.request.model import Request
from nst.runtime.progress import CancelToken
from nst.service.jobs import render_job

DEFAULT_QUEUE = 8  # jobs waiting for a slot, beyond those running, before new ones are refused


class Busy(Exception):
    """Every slot is taken and the queue is full (or nothing can paint right now): come back in
    ``retry_after`` seconds."""

    def __init__(self, retry_after: int, why: str = "the server is busy"):
        super().__init__(f"{why}; try again in {retry_after} s")
        self.retry_after = retry_after


class Backend(Protocol):
    async def stylize(self, job: Request, cancel: CancelToken) -> bytes: ...

    def queue_length(self) -> int: ...

    async def unready(self) -> str | None:
        """Why no job can run now (one line), or None when one can."""
        ...


class Admission:
    """The jobs let in at once: at most ``capacity`` (None: the backend bounds the count itself)
    and pictures of at most ``pixels`` in all, read from their headers (a few huge uploads do
    not fill the line that phone photos wait in; one job is always let in)."""

    def __init__(self, capacity: int | None, pixels: float):
        self.capacity, self.pixels = capacity, pixels
        self._lock = threading.Lock()
        self.admitted = 0
        self._admitted_pixels = 0.0

    @contextlib.contextmanager
    def enter(self, job: Request, retry_after: Callable[[], int]) -> Iterator[None]:
        """Holds the job's place for the body; :class:`Busy` at once when there is none."""
        from nst.api.rendering import admission_cost

        cost = admission_cost(job.content)  # the header's pixels: nothing decoded
        with self._lock:
            full = (self.capacity is not None and self.admitted >= self.capacity) or (
                self.admitted > 0 and self._admitted_pixels + cost > self.pixels
            )  # fmt: skip
            if not full:
                self.admitted += 1
                self._admitted_pixels += cost
        if full:
            raise Busy(retry_after())
        try:
            yield
        finally:
            with self._lock:
                self.admitted -= 1
                self._admitted_pixels -= cost


class LocalBackend:
    """Jobs in worker threads of this process: at most the inference slots' count at once
    (``NST_MAX_CONCURRENT``, shared with everything else in the process), at most ``queue``
    more waiting, and the pictures admitted at most ``NST_SERVICE_QUEUE_MEGAPIXELS`` in all;
    beyond that :class:`Busy` at once, so nobody waits for a timeout."""

    def __init__(self, queue: int = DEFAULT_QUEUE, seconds: float | None = None):
        from nst.config import config
        from nst.runtime.slots import inference_slots

        self.slots = inference_slots()
        self.seconds = seconds or config().service_max_seconds
        self.admission = Admission(self.slots.count + queue, config().service_queue_megapixels * 1e6)

    def queue_length(self) -> int:
        return max(0, self.admission.admitted - self.slots.count)

    async def unready(self) -> str | None:
        return None  # the models load in the job's own thread; this process paints while it runs

    def retry_after(self) -> int:
        """When a refused client's retry would likely be let in (the slots' measured service
        time); a line served smallest first has no place in it to promise."""
        return max(1, math.ceil(self.slots.wait_estimate()))

    async def stylize(self, job: Request, cancel: CancelToken) -> bytes:
        """The job rendered in a worker thread; if this call is cancelled (shutdown) the token
        is set and the call returns at once, the thread stopping at its next tile or iteration."""
        import anyio

        with self.admission.enter(job, self.retry_after):
            return await anyio.to_thread.run_sync(render_job, job, cancel, self.seconds, abandon_on_cancel=True)
