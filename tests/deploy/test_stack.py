"""The hosted stack as an operator starts it: the images built from this repository,
`compose.yaml` brought up, and every check made through the proxy's one published port, over
https with a certificate the test makes. Needs a Docker engine and the base image
(`.ci/run` starts dockerd and runs `.ci/base-image.sh`), so it runs with `pytest -m deploy`."""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from nst.service.client import RemoteService
from tests.helpers import ROOT
from tests.helpers.app_server import chromium_for_pytest, free_port
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting, png_bytes

pytestmark = pytest.mark.deploy

SHOTS = ROOT / "artifacts" / "screenshots"
LOGS = ROOT / "artifacts" / "logs"


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return ["docker", "compose"]


def self_signed(folder: Path, name: str = "localhost") -> Path:
    """cert.pem and key.pem for ``name``, as an operator would mount them; returns cert.pem."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "key.pem").chmod(0o644)  # nginx's master reads it as root inside the container
    return folder / "cert.pem"


class Stack:
    """`docker compose -p NAME ...` of this repository's compose.yaml with the test's settings."""

    def __init__(self, name: str, env: dict[str, str]):
        self.name, self.env = name, {**os.environ, **env}

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*compose_command(), "-p", self.name, *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done

    def containers(self) -> list[dict]:
        ids = self("ps", "-q").stdout.split()
        return json.loads(subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True).stdout)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tls = tmp_path_factory.mktemp("tls")
    cert = self_signed(tls)
    port = free_port()
    stack = Stack(
        f"nsttest{port}",
        {"NST_PUBLISH": f"127.0.0.1:{port}", "NST_TLS_DIR": str(tls), "NST_BUILD_NETWORK": "host", "NST_TAG": "test"},
    )
    stack("build", timeout=900)
    try:
        stack("up", "-d", timeout=300)
        url = f"https://localhost:{port}"
        deadline = time.monotonic() + 120  # the image's target: healthy within 60 s of start
        while not all(c["State"].get("Health", {}).get("Status") == "healthy" for c in stack.containers()):
            if time.monotonic() > deadline:
                raise AssertionError("the stack's containers were not healthy within 120 s")
            time.sleep(1)
        assert requests.get(url + "/readyz", verify=cert, timeout=10).status_code == 200
        yield stack, url, cert
    finally:
        LOGS.mkdir(parents=True, exist_ok=True)
        (LOGS / "stack.log").write_text(stack("logs", "--no-color", check=False).stdout)
        stack("down", "-v", "--remove-orphans", timeout=180, check=False)


@pytest.fixture(scope="module")
def browser():
    yield from chromium_for_pytest()


def test_the_image_is_slim_and_runs_unprivileged_on_a_read_only_root(stack):
    stack, _, _ = stack
    containers = {c["Config"]["Labels"]["com.docker.compose.service"]: c for c in stack.containers()}
    for name in ("app", "service"):
        assert containers[name]["Config"]["User"] == "nst"
        assert containers[name]["HostConfig"]["ReadonlyRootfs"] is True
        assert containers[name]["State"]["Health"]["Status"] == "healthy"
    size = json.loads(
        subprocess.run(["docker", "image", "inspect", containers["app"]["Config"]["Image"]],
                       capture_output=True, text=True).stdout
    )[0]["Size"]  # fmt: skip
    assert size <= 2e9, f"the image is {size / 1e9:.2f} GB"
    published = {name: c["HostConfig"]["PortBindings"] or {} for name, c in containers.items()}
    assert set(published) == {"app", "service", "proxy"}
    assert not published["app"] and not published["service"]  # only the proxy faces clients
    assert [b["HostIp"] for b in published["proxy"]["8443/tcp"]] == ["127.0.0.1"]


def test_health_and_a_photo_stylized_by_the_service_through_the_proxy(stack, tmp_path, monkeypatch):
    _, url, cert = stack
    health = requests.get(url + "/healthz", verify=cert, timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    photo = png_bytes(landscape(320, 240))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    served = RemoteService(url).stylize(photo, preset=19, size=256)
    (tmp_path / "photo.png").write_bytes(photo)
    done = run_cli("stylize", tmp_path / "photo.png", "--preset", "19", "--size", "256", "-o", tmp_path / "cli.png")
    assert done.returncode == 0, done.stderr
    local = np.asarray(Image.open(tmp_path / "cli.png"), np.float32)
    assert served.size == (256, 192)
    # tensorflow-cpu in the image, tensorflow here: the same kernels, so at most rounding apart
    assert np.abs(np.asarray(served, np.float32) - local).mean() < 0.5


def test_the_proxy_limits_uploads_and_rate_per_client(stack):
    _, url, cert = stack
    big = requests.post(
        url + "/v1/stylize", files={"content": ("big.png", io.BytesIO(b"\0" * (51 * 2**20)))}, verify=cert, timeout=60
    )
    assert big.status_code == 413
    codes = []
    with requests.Session() as session:
        for _ in range(40):  # a burst of 20 is let through, then 2 per second
            codes.append(session.get(url + "/v1/engines", verify=cert, timeout=10).status_code)
    assert codes[0] == 200 and 429 in codes


def test_plain_http_on_the_port_is_sent_to_https(stack):
    _, url, _ = stack
    answer = requests.get(url.replace("https", "http") + "/?x=1", allow_redirects=False, timeout=10)
    assert answer.status_code == 308 and answer.headers["location"] == url + "/?x=1"


def test_the_app_stylizes_an_upload_through_the_proxy_over_its_websocket(stack, browser, tmp_path):
    _, url, _ = stack
    landscape(400, 300).save(tmp_path / "beach.jpg", quality=95)
    painting(4).save(tmp_path / "painting.png")
    context = browser.new_context(
        ignore_https_errors=True, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: sockets.append(ws.url)))
    page.goto(url)
    page.get_by_role("button", name="Stylize", exact=True).wait_for(timeout=120_000)
    assert sockets and all(s.startswith(url.replace("https", "wss") + "/_stcore/stream") for s in sockets)
    assert page.evaluate("window.isSecureContext")  # so the live camera may ask for the camera
    for key, name in (("content_upload", "beach.jpg"), ("style_upload", "painting.png")):
        page.locator(f".st-key-{key} input[type='file']").set_input_files(str(tmp_path / name))
        page.wait_for_timeout(1000)
    page.get_by_text("beach.jpg (", exact=False).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Stylize", exact=True).click()
    button = page.get_by_role("button", name="Download PNG")
    button.wait_for(timeout=180_000)  # the app sent the photo to the service (NST_SERVER_URL)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stack-app.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    info.value.save_as(tmp_path / "result.png")
    assert Image.open(tmp_path / "result.png").size == (400, 300)
    context.close()
