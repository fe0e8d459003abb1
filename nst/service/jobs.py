"""One stylization request as the HTTP service runs it: a :class:`~nst.request.model.Request`
whose pictures are bytes (so it pickles to a Ray replica unchanged), within this host's limits,
and the one function that renders it wherever it runs."""

from __future__ import annotations

import threading

from nst.errors import NSTError
from nst.request.model import Limits, Request
from nst.runtime.progress import Cancelled, CancelToken


class TooLong(NSTError):
    """A request that ran past the service's time budget (``NST_SERVICE_MAX_SECONDS``)."""


def service_limits() -> Limits:
    """The host's bounds on one web request: result side and optimization steps."""
    from nst.config import config

    settings = config()
    return Limits(max_side=settings.service_max_side, max_work=settings.service_max_iterations)


def render_job(job: Request, cancel: CancelToken | None = None, seconds: float | None = None) -> bytes:
    """The request's picture, encoded; cancelled when ``cancel`` is set (its client left) or
    after ``seconds`` (the time budget, then :class:`TooLong`)."""
    from nst.api import run
    from nst.io.images import encode

    token = cancel or CancelToken()
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        token.cancel()

    timer = threading.Timer(seconds, expire) if seconds else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        picture = run(job, cancel=token)
    except Cancelled:
        if expired.is_set():
            raise TooLong(budget_message(seconds)) from None
        raise
    finally:
        if timer is not None:
            timer.cancel()
    if expired.is_set():  # an optimizing engine stopped early with its best so far: not what was asked
        raise TooLong(budget_message(seconds))
    return encode(picture, job.image_format)


def budget_message(seconds: float | None) -> str:
    return f"the picture took longer than this server's limit of {seconds:g} s; ask for a smaller size or less work"
