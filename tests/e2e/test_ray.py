"""The HTTP service on Ray Serve: `nst serve --ray` starts a Ray of its own on this machine,
listening on the loopback only, answers like the in-process service (its header deadline
included), says 503 when the replica painting a picture dies, and leaves no Ray process behind
when stopped with SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import threading
import time

import pytest
import requests
from PIL import Image

from tests.helpers import ROOT
from tests.helpers.app_server import LOGS, running_service
from tests.helpers.pictures import landscape, painting, png_bytes
from tests.helpers.sockets import connect, listening, loopback, processes_named

TIMEOUT = 120  # s per request
REPLICA = b"ServeReplica:nst:Stylizer"  # a Stylizer replica's process title


def ray_processes() -> list[str]:
    found = subprocess.run(["pgrep", "-f", "raylet|gcs_server"], capture_output=True, text=True)
    return found.stdout.split()


def stopped_cleanly(server: subprocess.Popen) -> None:
    """After the context's SIGTERM: a clean exit (Ray's start installs a handler that dumps a
    stack and aborts), no traceback logged, and no Ray process left within 30 s."""
    deadline = time.monotonic() + 30
    while ray_processes() and time.monotonic() < deadline:
        time.sleep(1)
    assert not ray_processes()
    log = (LOGS / f"nst-{server.args[5]}.log").read_text(errors="replace")
    assert server.returncode == 0 and "Traceback" not in log, log[-2000:]


def test_serve_on_ray_answers_like_the_service_and_stops_cleanly():
    assert not ray_processes(), "a Ray is already running on this machine"
    photo, style = png_bytes(landscape(320, 240)), png_bytes(painting(1, 256))
    env = {"NST_SERVICE_CLIENT_SECONDS": "2"}
    with running_service("--ray", "--replicas", "1", startup_timeout=300, env=env) as (url, server):

        def post(files, data, timeout=TIMEOUT):
            return requests.post(url + "/v1/stylize", files=files, data=data, timeout=timeout)

        both = [("content", ("p.png", photo)), ("style", ("s.png", style))]
        answer = post(both, {"size": "256"})  # it answers once its replicas have loaded
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(answer.content)).size == (256, 192)
        bad = post([("content", ("x.txt", b"text"))], {"preset": "1"})
        assert bad.status_code == 400 and bad.json() == {"error": "x.txt: not an image, or a format we cannot read"}
        option = post([("content", ("p.png", photo))], {"preset": "77"})
        assert option.status_code == 422 and option.json() == {"error": "preset 77 does not exist; use 0 to 25"}
        with pytest.raises(requests.Timeout):  # a client that leaves: its work stops, logged as 499
            post(both, {"engine": "gatys", "options": '{"iterations": 1000}', "size": "256"}, timeout=(5, 3))
        deadline, metrics = time.monotonic() + 30, ""
        while 'status="499"' not in metrics and time.monotonic() < deadline:
            time.sleep(0.5)
            metrics = requests.get(url + "/metrics", timeout=TIMEOUT).text
        assert 'nst_requests_total{route="/v1/stylize",status="499"}' in metrics and 'status="500"' not in metrics
        assert 'nst_requests_total{route="/v1/stylize",status="200"}' in metrics
        exposed = [a for a in listening(server.pid) if not loopback(a)]  # Ray's own servers included
        assert len(listening(server.pid)) > 5 and exposed == [], exposed

        with connect(url) as slow:  # headers that never end: dropped within 2 s
            slow.sendall(b"POST /v1/stylize HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-")
            start = time.monotonic()
            assert slow.recv(1024) == b"" and time.monotonic() - start < 10
    stopped_cleanly(server)


def test_a_replica_dying_mid_request_is_503_with_retry_after():
    assert not ray_processes(), "a Ray is already running on this machine"
    photo, style = png_bytes(landscape(320, 240)), png_bytes(painting(1, 256))
    slow = {"engine": "gatys", "options": '{"iterations": 1000}', "size": "256"}
    with running_service("--ray", "--replicas", "1", startup_timeout=300) as (url, server):
        (replica,) = processes_named(server.pid, REPLICA)
        threading.Timer(5.0, os.kill, (replica, signal.SIGKILL)).start()  # well inside the job
        answer = requests.post(
            url + "/v1/stylize",
            files=[("content", ("p.png", photo)), ("style", ("s.png", style))],
            data=slow,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 503 and int(answer.headers["retry-after"]) >= 1
        assert answer.json()["error"].startswith("the stylizer painting this picture stopped; try again in")
        deadline = time.monotonic() + 180  # Serve starts another replica, which loads its models
        while requests.get(url + "/readyz", timeout=10).status_code != 200 and time.monotonic() < deadline:
            time.sleep(1)
        again = requests.post(url + "/v1/stylize", files=[("content", ("p.png", photo))], data={"preset": "19"},
                              timeout=TIMEOUT)  # fmt: skip
        assert again.status_code == 200
        assert processes_named(server.pid, REPLICA) and replica not in processes_named(server.pid, REPLICA)  # a new one
    stopped_cleanly(server)


def test_the_cluster_config_file_builds_the_application():
    """What `serve deploy nst/service/serve_config.yaml` imports and calls, with the file's args."""
    import importlib

    import yaml
    from ray.serve import Application

    config = yaml.safe_load((ROOT / "nst" / "service" / "serve_config.yaml").read_text())
    (app,) = config["applications"]
    module, _, name = app["import_path"].partition(":")
    built = getattr(importlib.import_module(module), name)(app["args"])
    assert isinstance(built, Application) and app["name"] == "nst"
