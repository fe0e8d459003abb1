"""The HTTP service on Ray Serve: `nst serve --ray` starts a Ray of its own on this machine,
listening on the loopback only, answers like the in-process service, and leaves no Ray process
behind when stopped."""

from __future__ import annotations

import io
import subprocess
import time

import requests
from PIL import Image

from tests.helpers import ROOT
from tests.helpers.app_server import running_service
from tests.helpers.pictures import landscape, painting, png_bytes
from tests.helpers.sockets import listening, loopback

TIMEOUT = 120  # s per request


def ray_processes() -> list[str]:
    found = subprocess.run(["pgrep", "-f", "raylet|gcs_server"], capture_output=True, text=True)
    return found.stdout.split()


def test_serve_on_ray_answers_like_the_service_and_stops_cleanly():
    assert not ray_processes(), "a Ray is already running on this machine"
    photo, style = png_bytes(landscape(320, 240)), png_bytes(painting(1, 256))
    with running_service("--ray", "--replicas", "1", startup_timeout=300) as (url, server):
        deadline = time.monotonic() + 300  # /healthz answers once the ingress runs; replicas load after
        while True:
            answer = requests.post(
                url + "/v1/stylize",
                files=[("content", ("p.png", photo)), ("style", ("s.png", style))],
                data={"size": "256"},
                timeout=TIMEOUT,
            )
            if answer.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(answer.content)).size == (256, 192)

        def post(files, data):
            return requests.post(url + "/v1/stylize", files=files, data=data, timeout=TIMEOUT)

        bad = post([("content", ("x.txt", b"text"))], {"preset": "1"})
        assert bad.status_code == 400 and bad.json() == {"error": "x.txt: not an image, or a format we cannot read"}
        option = post([("content", ("p.png", photo))], {"preset": "77"})
        assert option.status_code == 422 and option.json() == {"error": "preset 77 does not exist; use 0 to 25"}
        metrics = requests.get(url + "/metrics", timeout=TIMEOUT).text
        assert 'nst_requests_total{route="/v1/stylize",status="200"}' in metrics
        exposed = [a for a in listening(server.pid) if not loopback(a)]  # Ray's own servers included
        assert len(listening(server.pid)) > 5 and exposed == [], exposed
    deadline = time.monotonic() + 30
    while ray_processes() and time.monotonic() < deadline:
        time.sleep(1)
    assert not ray_processes()


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
