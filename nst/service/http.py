"""The HTTP service: ``nst serve``. A FastAPI app over the engine contract.

``POST /v1/stylize`` (multipart: ``content``, ``style`` repeated or ``preset``, and the CLI's
settings; ``mask`` and ``feather`` for regional styles) answers the picture; ``GET /v1/engines``,
``/v1/presets`` (with thumbnails), ``/healthz`` and ``/metrics`` (Prometheus text). Every
refusal is JSON ``{"error": "<one line>"}``: 400 a bad image, 413 an upload over the limit,
422 a bad setting, 501 an engine this host cannot run, 503 busy (always with ``Retry-After``);
never a traceback. A photo smaller than ``size`` keeps its size unless ``upscale``, and the
answer's ``X-NST-Note`` header says so. The app is built by :func:`create_app` around a
backend (this process, or Ray Serve replicas), so the same routes serve both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
import uuid
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from nst.config import config
from nst.errors import EngineUnavailable, ImageError, NSTError, OptionError
from nst.request.model import FORM_FIELDS
from nst.request.model import Request as StyleRequest
from nst.runtime.progress import Cancelled, CancelToken
from nst.service.backends import DEFAULT_QUEUE, Backend, Busy, LocalBackend
from nst.service.jobs import TooLong, service_limits

log = logging.getLogger("nst.service")
THUMBNAIL_SIDE = 128
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)
DISCONNECT_POLL_SECONDS = 0.25  # how soon a request whose client has gone is cancelled
SPOOL_BYTES = 1024 * 1024  # a streamed body past this waits on disk
REPLAY_CHUNK = 64 * 1024


def upload_limit() -> int:
    """Largest request body in bytes: ``NST_SERVICE_UPLOAD_MB`` megabytes."""
    return config().service_upload_mb * 1024 * 1024


class _FormBase(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the files are in the same form; unknown names: see stylize


# The form's fields are the request's own, as text: the request reads and checks them, so a
# bad value gets the same words over HTTP as from the CLI or the API.
StylizeForm: Any = create_model(  # type: ignore[call-overload]  # fields built from the request's
    "StylizeForm",
    __base__=_FormBase,
    **{
        name: (str | None, Field(None, description=StyleRequest.model_fields[name].description)) for name in FORM_FIELDS
    },
)


async def cancel_when_gone(request: Request, token: CancelToken) -> None:
    """Set ``token`` as soon as the client disconnects (polled; returns when the token is set)."""
    import anyio

    while not token.cancelled:
        if await request.is_disconnected():
            token.cancel()
            return
        await anyio.sleep(DISCONNECT_POLL_SECONDS)


def refusal(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class UploadGuard:
    """ASGI middleware for what a client sends: the whole body is received here before the app
    parses it. A body over ``limit`` bytes is refused with 413, by its Content-Length or as soon
    as it passes the limit; past 1 MB it waits on disk, not in memory; a client that sends
    nothing for ``idle`` seconds in the middle of its body gets 408 and is dropped."""

    def __init__(self, app, limit: int, idle: float):
        self.app, self.limit, self.idle = app, limit, idle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._too_large()(scope, receive, send)
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            refused = await self._spool(receive, spool)
            if refused is not None:
                return await refused(scope, receive, send)
            await self.app(scope, self._replay(spool, receive), send)

    def _too_large(self) -> JSONResponse:
        return refusal(413, f"upload too large: the limit is {self.limit // (1024 * 1024)} MB")

    async def _spool(self, receive, spool) -> JSONResponse | None:
        """Read the body into ``spool``; the refusal to send instead when it passes the limit
        (413) or stalls (408), else None."""
        seen = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.idle)
            except TimeoutError:
                return refusal(408, f"the upload stalled: nothing arrived for {self.idle:g} s")
            if message["type"] != "http.request":
                return None  # the client left: the app sees it when it reads
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.limit:
                return self._too_large()
            spool.write(body)
            if not message.get("more_body"):
                return None

    @staticmethod
    def _replay(spool, receive):
        total = spool.seek(0, 2)
        spool.seek(0)
        done = [False]

        async def replay():
            if done[0]:
                return await receive()  # after the body: the disconnect, when it comes
            chunk = spool.read(REPLAY_CHUNK)
            done[0] = spool.tell() >= total
            return {"type": "http.request", "body": chunk, "more_body": not done[0]}

        return replay


class Measure:
    """ASGI middleware counting answers by route and status, and their latency. Plain ASGI, not
    Starlette's BaseHTTPMiddleware, so the route still sees its client disconnect."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status, failed = time.perf_counter(), [0], False

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            failed = True  # the server's error handler answers 500
            raise
        finally:
            route = scope.get("route")  # the router sets it in this same scope
            name = route.path if route is not None else "other"
            # no answer and no error: the request was cancelled, its client gone (nginx's 499)
            code = status[0] or (500 if failed else 499)
            self.metrics.requests.labels(name, str(code)).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - start)


class Metrics:
    """The service's Prometheus series, in a registry of its own (one per app)."""

    def __init__(self, queue_length):
        self.registry = CollectorRegistry()
        self.requests = Counter("nst_requests", "HTTP requests answered", ["route", "status"], registry=self.registry)
        self.latency = Histogram(
            "nst_request_seconds", "Time to answer", ["route"], buckets=LATENCY_BUCKETS, registry=self.registry
        )
        self.errors = Counter("nst_errors", "Requests refused or failed, by kind", ["kind"], registry=self.registry)
        self.queue = Gauge("nst_queue_length", "Stylizations waiting for a slot", registry=self.registry)
        self.queue.set_function(queue_length)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def size_note(job: StyleRequest) -> dict[str, str]:
    """The ``X-NST-Note`` header when the photo kept its own size, smaller than the size asked."""
    smaller = job.smaller_photo()
    if smaller is None or job.upscale:
        return {}
    width, height = smaller
    note = f"the photo is {width}x{height}, smaller than size {job.size}; kept its size (upscale=true enlarges it)"
    return {"X-NST-Note": note}


def create_app(backend: Backend | None = None, *, max_upload: int | None = None) -> FastAPI:
    """The service around ``backend`` (default: this process, :class:`LocalBackend`)."""
    backend = backend or LocalBackend()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for token in list(app.state.running):  # the grace period is over: stop what still runs
            token.cancel()

    app = FastAPI(
        lifespan=lifespan,
        title="nst: neural style transfer",
        summary="Stylize photos with a painting or a built-in style.",
        version="1",
    )
    app.state.backend = backend
    app.state.running = set()  # cancel tokens of requests in flight; shutdown sets them all
    metrics = Metrics(lambda: app.state.backend.queue_length())  # a Ray ingress sets its backend later
    limit = max_upload or upload_limit()
    app.add_middleware(UploadGuard, limit=limit, idle=config().service_client_seconds)

    app.add_middleware(Measure, metrics=metrics)

    @app.exception_handler(RequestValidationError)
    async def bad_field(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        metrics.errors.labels("option").inc()
        return refusal(422, f"{where}: {first.get('msg', 'invalid')}" if where else first.get("msg", "invalid"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return refusal(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(NSTError)  # after the more specific ones: Starlette looks them up by class
    async def known(_request: Request, exc: NSTError) -> JSONResponse:
        exc = getattr(exc, "cause", None) or exc  # raised in a Ray replica: Ray's wrapper holds ours
        if isinstance(exc, ImageError):
            metrics.errors.labels("image").inc()
            return refusal(400, one_line(exc))
        if isinstance(exc, EngineUnavailable):  # not busy: asking again will not help
            metrics.errors.labels("unavailable").inc()
            return refusal(501, one_line(exc))
        metrics.errors.labels("option").inc()
        return refusal(422, one_line(exc))

    @app.exception_handler(TooLong)
    async def too_long(_request: Request, exc: TooLong) -> JSONResponse:
        metrics.errors.labels("time").inc()
        return refusal(503, one_line(exc))

    @app.exception_handler(Cancelled)
    async def gone(_request: Request, exc: Cancelled) -> JSONResponse:
        metrics.errors.labels("cancelled").inc()
        return refusal(499, "the client closed the request; its work was stopped")

    @app.exception_handler(Busy)
    async def busy(_request: Request, exc: Busy) -> JSONResponse:
        metrics.errors.labels("busy").inc()
        return refusal(503, one_line(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error (reference %s)", reference)
        metrics.errors.labels("internal").inc()
        return refusal(500, f"internal error (reference {reference}); it is logged on the server")

    @app.post(
        "/v1/stylize",
        response_class=Response,
        responses={200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The stylized picture"}},
    )
    async def stylize(
        request: Request,
        content: Annotated[UploadFile, File(description="the photo")],
        form: Annotated[StylizeForm, Form()],
        style: Annotated[list[UploadFile] | None, File(description="style image(s); repeat to blend")] = None,
        mask: Annotated[
            UploadFile | None,
            File(description="regional styles: white inside (first style), outside the second or the photo"),
        ] = None,
    ) -> Response:
        """Stylize ``content`` with the style image(s) or the built-in style; answers the picture.
        The work stops when the client disconnects, or after the server's time budget."""
        unknown = sorted(set((await request.form()).keys()) - set(FORM_FIELDS) - {"content", "style", "mask"})
        if unknown:
            raise OptionError(f"{unknown[0]} is not a field of /v1/stylize; see /docs")
        job = StyleRequest(
            content=await content.read(),
            content_name=content.filename or "content",
            styles=[await f.read() for f in style or []],
            style_names=[f.filename or f"style {i + 1}" for i, f in enumerate(style or [])] or None,
            mask=await mask.read() if mask is not None else None,
            limits=service_limits(),
            **form.model_dump(exclude_none=True),
        )
        import asyncio

        token = CancelToken()
        app.state.running.add(token)
        watcher = asyncio.ensure_future(cancel_when_gone(request, token))
        try:
            data = await app.state.backend.stylize(job, token)
            if token.cancelled:  # the client left (or the server stops): an optimizer's early best, unsent
                raise Cancelled("cancelled")
        finally:
            watcher.cancel()
            token.cancel()  # finished, failed or abandoned: nothing more runs for this request
            app.state.running.discard(token)
        return Response(data, media_type=job.media_type, headers=size_note(job))

    @app.get("/v1/engines")
    def engines() -> list[dict]:
        """Every engine, whether it can run here (and why not), and what it takes."""
        from nst.engines import describe, engine_names, unavailable_reason

        listed = []
        for name in engine_names():
            info, reason = describe(name), unavailable_reason(name)
            listed.append(
                {
                    "name": name,
                    "description": info.description,
                    "takes": "images" if info.takes_images else "builtin",
                    "available": reason is None,
                    "reason": reason,
                    "builtin_styles": len(info.builtin_styles),
                    "regions": info.paints_regions,
                    "iterative": info.iterative,
                }
            )
        return listed

    @app.get("/v1/presets")
    def presets(request: Request) -> list[dict]:
        """The built-in styles (index, name and a thumbnail of each on our example photo), then
        the styles learned on this server (``preset=name``; a thumbnail of their painting)."""
        from nst.api import builtin_styles, learned_styles

        base = request.scope.get("root_path", "")  # links on this server, whatever Host the client sent
        builtin = [
            {"index": i, "name": name, "thumbnail": f"{base}/v1/presets/{i}/thumbnail.jpg"}
            for i, name in enumerate(builtin_styles())
        ]
        learned = [
            {"index": None, "name": s.name, "learned": True, "thumbnail": f"{base}/v1/learned/{quote(s.name)}.png"}
            for s in learned_styles()
        ]
        return builtin + learned

    @app.get("/v1/learned/{name}.png", response_class=Response)
    def learned_thumbnail(name: str) -> Response:
        from nst.styles.library import StyleLibrary

        try:
            style = StyleLibrary().get(name)
        except NSTError as exc:
            return refusal(404, str(exc))
        return Response(style.thumbnail, media_type="image/png")

    thumbnails_rendered = asyncio.Lock()  # one rendering of the gallery, however many ask at once

    @app.get("/v1/presets/{index}/thumbnail.jpg", response_class=Response)
    async def thumbnail(index: int) -> Response:
        import anyio

        from nst.api import builtin_styles

        if not 0 <= index < len(builtin_styles()):
            return refusal(404, f"preset {index} does not exist; use 0 to {len(builtin_styles()) - 1}")
        async with thumbnails_rendered:  # the first callers wait here, not in worker threads
            tiles = await anyio.to_thread.run_sync(preset_thumbnails)
        return Response(tiles[index], media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})

    @app.get("/healthz")
    async def healthz() -> dict:  # on the event loop: never behind work in the thread pool
        return {"status": "ok", "queue": app.state.backend.queue_length()}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Whether a stylization can start now (a load balancer sends work only where it can)."""
        reason = await app.state.backend.unready()
        if reason is not None:
            return refusal(503, reason, {"Retry-After": "5"})
        return JSONResponse({"status": "ready", "queue": app.state.backend.queue_length()})

    @app.get("/metrics", response_class=Response)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


@lru_cache(maxsize=1)
def preset_thumbnails() -> tuple[bytes, ...]:
    """Every built-in style on our drawn example photo, JPEG, rendered once per process."""
    from nst.api import preset_gallery
    from nst.io.examples import example_photo
    from nst.io.images import encode

    return tuple(encode(t, "JPEG", quality=85) for t in preset_gallery(example_photo(), size=THUMBNAIL_SIDE))


def serve(host: str = "127.0.0.1", port: int = 8000, queue: int = DEFAULT_QUEUE) -> None:
    """Run the service in this process with uvicorn until interrupted."""
    run_server(create_app(LocalBackend(queue)), host, port)


def run_server(app: FastAPI, host: str, port: int) -> None:
    """``app`` on uvicorn with the header deadline (nst.service.transport) until SIGINT or SIGTERM;
    after the grace, uvicorn cancels the requests left, and they stop their work."""
    import uvicorn

    from nst.service.transport import deadline_protocol

    settings = config()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        http=deadline_protocol(settings.service_client_seconds),
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace)),
    )
