"""Scale-out on Ray: the HTTP service on Ray Serve (``nst serve --ray``, or ``serve deploy
nst/service/serve_config.yaml`` on a cluster).

``Stylizer`` replicas, each loading the models once in ``__init__`` with TensorFlow held to the
replica's CPUs, answer jobs (nst.service.jobs, plain values: nothing Keras crosses a process).
The same FastAPI app as ``nst serve`` hands each job to a replica through a deployment handle:
in the ``nst serve --ray`` process itself, on our own server (its header deadline is not in
Ray's proxy), or on a cluster in a light ``Ingress`` deployment behind Ray's HTTP proxy and the
operator's reverse proxy. Ray Serve's own queue bound (``max_queued_requests``) refuses excess
jobs, which the app answers with 503 and Retry-After. Ray connects to the cluster in
``RAY_ADDRESS``, or starts one on this machine.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from nst.request.model import Request
from nst.runtime.progress import Cancelled, CancelToken
from nst.service.backends import Admission, Busy

DEFAULT_REPLICA_CPUS = 1
STATUS_SECONDS = 1.0  # how long the ingress trusts what Serve said of its replicas
APP_NAME = "nst"  # the Serve application's name, here and in serve_config.yaml
REPLICA_LINE = 2  # jobs a replica holds waiting for its slots, beyond those rendering


class RayBackend:
    """Jobs sent to the ``Stylizer`` replicas of Serve application ``app_name`` through a
    deployment handle, looked up in the ingress replica on first use."""

    def __init__(self, app_name: str, start_seconds: float = 30.0):
        from nst.config import config

        self.app_name = app_name
        self.handle: Any = None  # Ray Serve's handle, looked up on first use
        self.start_seconds = start_seconds  # about how long a lost replica takes to come back
        # Serve bounds the number of jobs (max_queued_requests); the pixels are bounded here, as in-process
        self.admission = Admission(None, config().service_queue_megapixels * 1e6)
        self._lock = threading.Lock()
        self._seconds = 2.0  # a running average of a replica's service time (it sends its own)
        self._status: tuple[float, str | None] = (0.0, None)  # (when asked, why unready)

    def retry_after(self) -> int:
        """When a refused client's retry would likely be let in: the replicas' measured
        service time, as in-process (nst.runtime.slots.InferenceSlots.wait_estimate)."""
        with self._lock:
            return max(1, math.ceil(self._seconds))

    async def unready(self) -> str | None:
        """Why no stylizer replica can take a job (Serve's status, asked at most once a second)."""
        import asyncio
        import time

        asked, reason = self._status
        if time.monotonic() - asked > STATUS_SECONDS:
            reason = await asyncio.to_thread(running_replicas_reason, self.app_name)
            self._status = (time.monotonic(), reason)
        return reason

    def queue_length(self) -> int:
        return self.admission.admitted  # sent to Serve: waiting or rendering

    async def stylize(self, job: Request, cancel: CancelToken) -> bytes:
        """The job from a replica; a set ``cancel`` (the client left) cancels it there too."""
        import asyncio

        from ray.exceptions import RayActorError
        from ray.serve.exceptions import BackPressureError, RequestCancelledError

        reason = await self.unready()
        if reason is not None:  # answered now, not after the wait for a replica to start
            raise Busy(math.ceil(self.start_seconds), reason)
        if self.handle is None:
            from ray import serve

            self.handle = serve.get_deployment_handle("Stylizer", app_name=self.app_name)
        with self.admission.enter(job, self.retry_after):
            response = self.handle.remote(job)

            async def watch() -> None:
                while not cancel.cancelled:
                    await asyncio.sleep(0.25)
                response.cancel()  # Ray Serve cancels the replica's call, which sets its token

            watcher = asyncio.ensure_future(watch())
            try:
                data, seconds = await response
                with self._lock:
                    self._seconds = 0.8 * self._seconds + 0.2 * seconds
                return data
            except BackPressureError:
                raise Busy(self.retry_after()) from None
            except RequestCancelledError:  # our watcher's cancel: the client left
                raise Cancelled("cancelled") from None
            except RayActorError:  # the replica died under the job (out of memory, killed): Serve starts another
                self._status = (0.0, None)  # the retry asks Serve whether another replica runs meanwhile
                raise Busy(self.retry_after(), "the stylizer painting this picture stopped") from None
            finally:
                watcher.cancel()


def keep_replica_local() -> None:
    """In a Ray of our own (single-machine mode, nst.runtime.cluster), bind this Serve replica's
    inter-deployment gRPC server to the loopback like the rest of that Ray: Ray Serve 2.60
    starts it on every interface (``"[::]:0"``, written into ray/serve/_private/replica.py),
    an unauthenticated way into the deployment from outside. Does nothing on a real cluster,
    or once a Ray release no longer has that call."""
    import os

    from nst.runtime.cluster import LOCAL_ONLY_ENV

    if os.environ.get(LOCAL_ONLY_ENV) != "0":
        return
    from ray.serve._private import replica

    bind = getattr(replica, "add_port_to_grpc_server", None)
    if bind is None or getattr(bind, "keeps_local", False):
        return

    def local(server, address: str):
        return bind(server, address.replace("[::]", "127.0.0.1", 1))

    local.keeps_local = True  # type: ignore[attr-defined]
    replica.add_port_to_grpc_server = local


class StylizerReplica:
    """One replica: loads the default engines once, then renders jobs in a worker thread (the
    replica's event loop keeps answering Serve's health checks during a long render)."""

    def __init__(self, cpus: float = DEFAULT_REPLICA_CPUS, warm: tuple[str, ...] = ("images", "builtin")):
        from nst.config import config
        from nst.engines import default_engine, get_engine
        from nst.runtime.tf import limit_threads

        keep_replica_local()
        self.seconds = config().service_max_seconds
        limit_threads(max(1, int(cpus)))
        for kind in warm:
            get_engine(default_engine(kind))

    async def __call__(self, job: Request) -> tuple[bytes, float]:
        """The picture and how long it took (the ingress's Retry-After is based on it)."""
        import asyncio
        import time

        from nst.service.jobs import render_job

        token, start = CancelToken(), time.perf_counter()
        try:
            data = await asyncio.to_thread(render_job, job, token, self.seconds)
            return data, time.perf_counter() - start
        finally:  # done, or cancelled by the ingress (its client left): the thread stops at its next step
            token.cancel()


def stylizers(args: dict[str, Any] | None = None):
    """The ``Stylizer`` deployment bound to its arguments: ``replicas`` (a number) or
    ``autoscale`` ("MIN:MAX"), ``replica_cpus``, ``queue`` (jobs waiting per replica before 503)
    and ``slots`` (jobs rendering at once per replica)."""
    from ray import serve

    args = dict(args or {})
    cpus = float(args.get("replica_cpus", DEFAULT_REPLICA_CPUS))
    slots, queue = int(args.get("slots", 1)), int(args.get("queue", 8))
    scaling: dict[str, Any]
    if args.get("autoscale"):
        low, high = parse_autoscale(str(args["autoscale"]))
        scaling = {"autoscaling_config": {"min_replicas": low, "max_replicas": high, "target_ongoing_requests": slots}}
    else:
        scaling = {"num_replicas": int(args.get("replicas", 1))}
    stylizer: Any = serve.deployment(  # mypy picks the decorator overload for a class plus **options
        StylizerReplica,
        name="Stylizer",
        # the replica's own slots order what it holds as in-process: smallest first, Gatys giving way
        ray_actor_options={"num_cpus": cpus, "runtime_env": {"env_vars": {"NST_MAX_CONCURRENT": str(slots)}}},
        max_ongoing_requests=slots + REPLICA_LINE,
        max_queued_requests=queue,
        health_check_period_s=10,
        health_check_timeout_s=60,
        **scaling,
    )
    return stylizer.bind(cpus)


def build(args: dict[str, Any] | None = None):
    """The Serve application for a cluster (``serve deploy`` calls it with the config file's
    ``args``: those of :func:`stylizers` and ``name``, the application's name as deployed): the
    stylizers behind an ``Ingress`` running the service's FastAPI app on Ray's HTTP proxy."""
    from ray import serve

    from nst.service.http import create_app

    args = dict(args or {})
    app = create_app(RayBackend(str(args.get("name", APP_NAME))))

    @serve.deployment(name="Ingress", ray_actor_options={"num_cpus": 0}, max_ongoing_requests=1000)
    @serve.ingress(app)
    class Ingress:
        def __init__(self, stylizer) -> None:  # binding the stylizer makes it part of the application
            keep_replica_local()
            self.stylizer = stylizer

    return Ingress.bind(stylizers(args))  # type: ignore[attr-defined]  # added by @serve.deployment


def running_replicas_reason(app_name: str) -> str | None:
    """None when a ``Stylizer`` replica of ``app_name`` runs, else why not, in a line."""
    from ray import serve
    from ray.serve.schema import ReplicaState

    try:
        application = serve.status().applications[app_name]
        running = application.deployments["Stylizer"].replica_states.get(ReplicaState.RUNNING, 0)
    except Exception as exc:  # the controller is restarting, or the application is being deployed
        return f"the cluster cannot say whether a stylizer runs ({type(exc).__name__})"
    return None if running else "no stylizer is running; one is starting"


def parse_autoscale(text: str) -> tuple[int, int]:
    """``"1:4"`` -> (1, 4): the fewest and most replicas."""
    from nst.errors import OptionError

    low, _, high = text.partition(":")
    if not (low.isdigit() and high.isdigit()) or not 0 <= int(low) <= int(high) or int(high) < 1:
        raise OptionError(f"--autoscale must be MIN:MAX replicas such as 1:4, got {text!r}")
    return int(low), int(high)


def serve_on_ray(host: str, port: int, args: dict[str, Any]) -> None:
    """Deploy :func:`stylizers` on Ray (``RAY_ADDRESS``, or a local Ray) and answer HTTP on
    ``host:port`` from this process with the in-process service's server (its header deadline
    and upload guard), handing jobs to the replicas; Ray's own HTTP proxy is not started. Until
    SIGINT or SIGTERM; then Serve and a Ray of our own are taken down."""
    import time

    from nst.runtime.cluster import ray_session
    from nst.service.http import create_app, run_server

    with ray_session():
        from ray import serve

        try:
            serve.start(proxy_location="Disabled")
            start = time.monotonic()
            serve.run(stylizers(args), name=APP_NAME, route_prefix=None, blocking=False)
            started = time.monotonic() - start  # a lost replica's replacement takes about as long
            print(f"nst: stylizers on Ray Serve; serving on http://{host}:{port}", flush=True)
            run_server(create_app(RayBackend(APP_NAME, start_seconds=max(5.0, started))), host, port)
        finally:
            serve.shutdown()
