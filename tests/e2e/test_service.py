"""The HTTP service as a client sees it: `nst serve` on a loopback port, real models, real requests."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import requests
from PIL import Image

import nst
from nst.service.client import RemoteService
from nst.styles.learned import LearnedStyle, thumbnail_of
from nst.styles.library import StyleLibrary
from tests.helpers import ROOT
from tests.helpers.app_server import free_port, running_service
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting, png_bytes
from tests.helpers.sockets import connect

TIMEOUT = 120  # s per request: the first one loads the models


@pytest.fixture(scope="module")
def service():
    # one inference at a time and one waiting, so the busy test can fill it; 1 MB uploads
    env = {"NST_MAX_CONCURRENT": "1", "NST_SERVICE_UPLOAD_MB": "1"}
    with running_service("--queue", "1", env=env) as (url, _):
        yield url


@pytest.fixture(scope="module")
def photo() -> bytes:
    return png_bytes(landscape(320, 240))


@pytest.fixture(scope="module")
def style() -> bytes:
    return png_bytes(painting(1, 256))


def stylize(url: str, files: list, data: dict | None = None) -> requests.Response:
    return requests.post(url + "/v1/stylize", files=files, data=data or {}, timeout=TIMEOUT)


def test_a_photo_and_a_painting_give_the_stylized_picture(service, photo, style):
    answer = stylize(service, [("content", ("photo.png", photo)), ("style", ("art.png", style))], {"size": "256"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    out = Image.open(io.BytesIO(answer.content))
    assert out.size == (256, 192)
    before = np.asarray(landscape(320, 240).resize((256, 192)), np.float32)
    assert np.abs(np.asarray(out, np.float32) - before).mean() > 10  # painted, not the photo back


def test_a_preset_blend_as_jpeg_and_two_weighted_styles(service, photo, style):
    answer = stylize(service, [("content", ("p.png", photo))], {"preset": "3:0.5,19:0.5", "format": "jpeg"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(answer.content)).format == "JPEG"
    second = png_bytes(painting(7, 256))
    files = [("content", ("p.png", photo)), ("style", ("a.png", style)), ("style", ("b.png", second))]
    blended = stylize(service, files, {"weights": "0.2,0.8", "engine": "adain", "size": "128"})
    assert blended.status_code == 200 and Image.open(io.BytesIO(blended.content)).size == (128, 96)


def half_mask(size=(320, 240)) -> bytes:
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, size[0] // 2, size[1]))
    return png_bytes(mask)


def test_a_mask_gives_each_region_its_style_as_the_api_does(service, photo):
    files = [("content", ("p.png", photo)), ("mask", ("m.png", half_mask()))]
    answer = stylize(service, files, {"preset": "3,19", "feather": "0", "size": "320"})
    assert answer.status_code == 200
    ours = np.asarray(Image.open(io.BytesIO(answer.content)), np.float32)
    expected = np.asarray(nst.stylize(photo, preset="3,19", mask=half_mask(), feather=0.0, size=320), np.float32)
    assert np.abs(ours - expected).mean() < 0.5  # the same picture as nst.stylize
    client = RemoteService(service).stylize(photo, preset=[3, 19], mask=half_mask(), feather=0.0, size=320)
    assert np.abs(np.asarray(client, np.float32) - expected).mean() < 0.5  # what the app sends with a server
    kept = stylize(service, files, {"preset": "3", "feather": "0", "size": "320"})
    right = np.asarray(Image.open(io.BytesIO(kept.content)), np.float32)[:, 200:]
    assert np.abs(right - np.asarray(landscape(320, 240), np.float32)[:, 200:]).max() <= 1.0  # the photo outside


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        ({"preset": "3", "feather": "0.9"}, 422, "feather must be a number from 0 to 0.25"),
        ({"preset": "3,19,4"}, 422, "a mask takes one style"),
        ({"preset": "3", "mask_bytes": png_bytes(Image.new("L", (100, 100)))}, 422, "aspect ratio within 1%"),
        ({"preset": "3", "mask_bytes": b"not an image"}, 400, "mask: not an image"),
    ],
)
def test_a_bad_mask_is_one_json_line(service, photo, extra, status, message):
    mask = extra.pop("mask_bytes", None) or half_mask()
    answer = stylize(service, [("content", ("p.png", photo)), ("mask", ("m.png", mask))], extra)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert message in error and "\n" not in error


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"preset": "99"}, 422, "preset 99 does not exist; use 0 to 25"),
        ({"preset": "1", "strength": "3"}, 422, "strength must be a number from 0 to 1, got '3'"),
        ({"preset": "1", "size": "99999"}, 422, "size must be at most 4096 px on this server, got 99999"),
        ({"preset": "1", "engine": "picasso"}, 422, "picasso"),
        ({"preset": "1", "format": "gif"}, 422, "format"),
        ({}, 422, "give a style image or a built-in style (preset)"),
        ({"preset": "3:1e308,19:1e308"}, 422, "preset weights must have a positive, finite sum"),
        ({"preset": "1", "engine": "gatys"}, 422, "engine 'gatys' takes style images"),
        ({"preset": "1", "feather": "nan"}, 422, "feather must be a number"),
        ({"preset": "1", "upscale": "perhaps"}, 422, "upscale must be true or false, got 'perhaps'"),
        ({"preset": "1", "engine": "magenta-hub"}, 422, "magenta-hub"),
        ({"preset": "1", "options": "{bad json"}, 422, "options must be a JSON object"),
    ],
)
def test_a_bad_setting_is_one_json_line_and_no_picture(service, photo, data, status, message):
    answer = stylize(service, [("content", ("p.png", photo))], data)
    assert answer.status_code == status and answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert message in error and "\n" not in error and "Traceback" not in error


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('{"content_weight": "a"}', "content_weight must be a number, got 'a'"),
        ("[" * 100_000, "options must be a JSON object of at most 2000 characters"),
        ('{"content_weight": NaN}', "options: NaN is not a number"),
        ('{"style_weight": Infinity}', "options: Infinity is not a number"),
        ('{"iterations": 10000}', "iterations must be at most 1000 on this server, got 10000"),
    ],
)
def test_hostile_engine_options_are_422_with_the_request_s_words(service, photo, style, options, message):
    files = [("content", ("p.png", photo)), ("style", ("s.png", style))]
    answer = stylize(service, files, {"engine": "gatys", "options": options})
    assert answer.status_code == 422, answer.text
    assert answer.json() == {"error": message} or message in answer.json()["error"]
    text = requests.get(service + "/metrics", timeout=10).text
    assert 'nst_requests_total{route="/v1/stylize",status="500"}' not in text


def test_work_whose_client_left_is_stopped_and_the_next_request_is_served(service, photo, style):
    """A Gatys request abandoned by its client stops at its next iteration: a preset request
    sent after it is answered, and the abandoned one is counted as cancelled."""
    files = [("content", ("p.png", photo)), ("style", ("s.png", style))]
    slow = {"engine": "gatys", "size": "256", "options": '{"iterations": 1000, "coarse_to_fine": false}'}
    with pytest.raises(requests.Timeout):
        requests.post(service + "/v1/stylize", files=files, data=slow, timeout=(5, 4))
    answer = stylize(service, [("content", ("p.png", photo))], {"preset": "19", "size": "128"})
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 30
    while 'nst_errors_total{kind="cancelled"} 1.0' not in requests.get(service + "/metrics", timeout=10).text:
        assert time.monotonic() < deadline, "the abandoned request was never counted as cancelled"
        time.sleep(0.5)


def test_a_file_that_is_not_an_image_is_400_and_names_it(service):
    answer = stylize(service, [("content", ("notes.txt", b"hello, not a picture"))], {"preset": "1"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "notes.txt: not an image, or a format we cannot read"}


def test_an_upload_over_the_limit_is_413_before_it_is_read(service):
    big = b"\0" * (1024 * 1024 + 1)
    answer = stylize(service, [("content", ("big.png", big))], {"preset": "1"})
    assert answer.status_code == 413 and answer.json() == {"error": "upload too large: the limit is 1 MB"}


def test_a_full_queue_is_refused_at_once_with_retry_after(service, photo):
    """One running and one waiting fill this server: the third is refused fast, the others finish."""
    slow = {"engine": "gatys", "preset": None, "size": "128", "options": '{"iterations": 300}'}
    slow = {k: v for k, v in slow.items() if v is not None}
    files = [("content", ("p.png", photo)), ("style", ("s.png", png_bytes(painting(2, 128))))]
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(stylize(service, files, slow))) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(1.0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and requests.get(service + "/healthz", timeout=5).json()["queue"] < 1:
        time.sleep(0.2)
    start = time.monotonic()
    refused = stylize(service, files, slow)
    assert time.monotonic() - start < 5
    assert refused.status_code == 503 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"].startswith("the server is busy; try again in")
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert sorted(a.status_code for a in answers) == [200, 200]


def test_a_client_that_waits_as_told_is_served(service, photo):
    """Retry-After is the measured service time times the jobs ahead: a refused client that
    waits that long (and retries at most three times) gets its picture."""
    slow = {"engine": "gatys", "size": "128", "options": '{"iterations": 100}'}
    files = [("content", ("p.png", photo)), ("style", ("s.png", png_bytes(painting(2, 128))))]
    start = time.monotonic()
    assert stylize(service, files, slow).status_code == 200  # the server measures one job
    alone = time.monotonic() - start
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(stylize(service, files, slow))) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(1.0)
    refused = stylize(service, files, slow)
    assert refused.status_code == 503
    told = int(refused.headers["retry-after"])
    assert 0.5 * alone <= told <= 4 * alone, (told, alone)  # one running, one waiting: about twice one job
    for _ in range(3):
        time.sleep(told)
        again = stylize(service, files, slow)
        if again.status_code != 503:
            break
        told = int(again.headers["retry-after"])
    assert again.status_code == 200
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert sorted(a.status_code for a in answers) == [200, 200]


def test_engines_presets_thumbnails_health_and_docs(service):
    engines = {e["name"]: e for e in requests.get(service + "/v1/engines", timeout=10).json()}
    assert {"magenta", "adain", "preset", "gatys", "magenta-hub"} <= set(engines)
    assert engines["magenta"]["available"] and not engines["magenta-hub"]["available"]
    assert "internet" in engines["magenta-hub"]["reason"]
    presets = [p for p in requests.get(service + "/v1/presets", timeout=10).json() if p["index"] is not None]
    assert len(presets) == 26 and presets[19]["index"] == 19 and presets[19]["name"]
    assert presets[19]["thumbnail"] == "/v1/presets/19/thumbnail.jpg"  # on this server, whatever the Host
    thumbnail = requests.get(service + presets[19]["thumbnail"], timeout=TIMEOUT)
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) == 128
    assert requests.get(service + "/v1/presets/26/thumbnail.jpg", timeout=10).status_code == 404
    assert requests.get(service + "/healthz", timeout=10).json()["status"] == "ok"
    assert "/v1/stylize" in requests.get(service + "/openapi.json", timeout=10).json()["paths"]
    assert requests.get(service + "/nowhere", timeout=10).json() == {"error": "Not Found"}


def test_links_never_carry_the_host_a_client_claims(service):
    listed = requests.get(service + "/v1/presets", headers={"Host": "evil.example:666"}, timeout=10).json()
    assert not [p["thumbnail"] for p in listed if "evil" in p["thumbnail"] or "://" in p["thumbnail"]]


def test_health_answers_while_the_first_thumbnails_render():
    """Forty browsers open the gallery on a fresh server: the gallery renders once, and /healthz
    answers while they wait."""
    from concurrent.futures import ThreadPoolExecutor

    with running_service() as (url, _), ThreadPoolExecutor(40) as pool:
        pending = [
            pool.submit(requests.get, f"{url}/v1/presets/{i % 26}/thumbnail.jpg", timeout=TIMEOUT) for i in range(40)
        ]
        time.sleep(0.5)  # the requests are in the server
        health = requests.get(url + "/healthz", timeout=TIMEOUT)
        waiting = sum(not p.done() for p in pending)
        assert health.status_code == 200 and waiting > 0, waiting  # answered before the gallery was ready
        answers = [p.result() for p in pending]
        assert {a.status_code for a in answers} == {200}
        metrics = requests.get(url + "/metrics", timeout=TIMEOUT).text
        assert 'nst_requests_total{route="/v1/presets/{index}/thumbnail.jpg",status="200"} 40.0' in metrics


def test_a_style_learned_on_the_server_is_listed_and_paints_as_the_api_does(service, photo):
    """A style in the server's library (``nst style learn`` there) is a preset by name, alone or blended."""
    code = np.random.default_rng(3).normal(0.0, 0.5, 990).astype(np.float32)
    style = LearnedStyle("Served Haze", code, thumbnail_of(painting(2)), {"steps": 1})
    library = StyleLibrary()  # the server's: it inherits NST_STYLE_DIR from the test process
    library.add(style)
    try:
        listed = {p["name"]: p for p in requests.get(service + "/v1/presets", timeout=10).json()}
        assert listed["Served Haze"]["learned"] and listed["Served Haze"]["index"] is None
        thumbnail = requests.get(service + listed["Served Haze"]["thumbnail"], timeout=10)
        assert thumbnail.status_code == 200 and thumbnail.content == style.thumbnail
        for preset in ("Served Haze", "Served Haze:0.5,19:0.5"):
            answer = stylize(service, [("content", ("p.png", photo))], {"preset": preset, "size": "256"})
            assert answer.status_code == 200, answer.text
            served = np.asarray(Image.open(io.BytesIO(answer.content)), np.float32)
            expected = np.asarray(nst.stylize(photo, preset=preset, size=256), np.float32)
            assert np.abs(served - expected).mean() < 0.5  # the picture nst.stylize paints with it
            assert np.abs(served - np.asarray(nst.stylize(photo, preset=19, size=256), np.float32)).mean() > 5
        answer = stylize(service, [("content", ("p.png", photo))], {"preset": "Nobody Knows"})
        assert answer.status_code == 422 and "nor a learned one (Served Haze)" in answer.json()["error"]
        assert requests.get(service + "/v1/learned/..%2Fetc.png", timeout=10).status_code == 404
    finally:
        library.remove("Served Haze")


def test_metrics_count_requests_latency_errors_and_the_queue(service, photo):
    stylize(service, [("content", ("p.png", photo))], {"preset": "99"})
    text = requests.get(service + "/metrics", timeout=10).text
    assert 'nst_requests_total{route="/v1/stylize",status="422"}' in text
    assert 'nst_request_seconds_bucket{le="0.5",route="/v1/stylize"}' in text
    assert 'nst_errors_total{kind="option"}' in text
    assert "nst_queue_length 0.0" in text


def test_serve_on_a_port_in_use_is_one_line():
    port = free_port()
    import socket

    with socket.create_server(("127.0.0.1", port)):
        done = subprocess.run(
            [sys.executable, "-m", "nst", "serve", "--port", str(port)], cwd=ROOT, capture_output=True, text=True
        )
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"nst: error: cannot listen on 127.0.0.1:{port}")
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_service_paints_what_the_command_line_paints(service, photo, style, tmp_path):
    (tmp_path / "photo.png").write_bytes(photo)
    (tmp_path / "art.png").write_bytes(style)
    done = run_cli(
        "stylize", tmp_path / "photo.png", "--style", tmp_path / "art.png", "--size", "256", "--strength", "0.8",
        "-o", tmp_path / "cli.png",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    files = [("content", ("photo.png", photo)), ("style", ("art.png", style))]
    answer = stylize(service, files, {"size": "256", "strength": "0.8"})
    served = np.asarray(Image.open(io.BytesIO(answer.content)))
    assert np.array_equal(served, np.asarray(Image.open(tmp_path / "cli.png")))


def test_eight_concurrent_requests_give_the_bytes_of_sequential_ones(photo):
    """With two stylizations at once and the rest queued, every answer is the sequential one."""
    files = [("content", ("photo.png", photo))]
    data = {"preset": "19", "size": "256"}
    with running_service("--queue", "8", env={"NST_MAX_CONCURRENT": "2"}) as (url, _):
        alone = stylize(url, files, data).content
        answers: list = []
        threads = [threading.Thread(target=lambda: answers.append(stylize(url, files, data))) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
    assert [a.status_code for a in answers] == [200] * 8
    assert all(a.content == alone for a in answers)


@pytest.fixture(scope="module")
def strict_service():
    """Clients get 2 s to send their headers or to resume a paused upload; 50 MB uploads."""
    with running_service(env={"NST_SERVICE_CLIENT_SECONDS": "2", "NST_SERVICE_UPLOAD_MB": "50"}) as (url, _):
        yield url


def test_clients_that_never_finish_their_headers_are_dropped(strict_service):
    connections = [connect(strict_service) for _ in range(20)]
    try:
        for c in connections:
            c.sendall(b"POST /v1/stylize HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-")  # and no more
        closed = [c.recv(1024) == b"" for c in connections]  # the server hangs up (30 s at most)
    finally:
        for c in connections:
            c.close()
    assert all(closed)
    assert requests.get(strict_service + "/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_stalled_upload_is_answered_408_and_dropped(strict_service, framing):
    boundary = "nstboundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="p.png"\r\n\r\n'.encode()
    part = head + b"\x89PNG" + b"\0" * (2 * 1024 * 1024)  # 2 MB of a 40 MB upload, then nothing
    if framing == "chunked":
        length, body = "Transfer-Encoding: chunked", f"{len(part):x}\r\n".encode() + part + b"\r\n"
    else:
        length, body = f"Content-Length: {40 * 1024 * 1024}", part
    connection = connect(strict_service)
    try:
        connection.sendall(
            f"POST /v1/stylize HTTP/1.1\r\nHost: x\r\n{length}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
            + body
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    finally:
        connection.close()
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 408 Request Timeout", answer[:200]
    assert rest.endswith(b'{"error":"the upload stalled: nothing arrived for 2 s"}')


def test_an_engine_this_host_cannot_run_is_501_not_busy(service, photo, style):
    files = [("content", ("p.png", photo)), ("style", ("s.png", style))]
    answer = stylize(service, files, {"engine": "magenta-hub"})  # the tests run offline
    assert answer.status_code == 501 and "retry-after" not in answer.headers
    assert "internet" in answer.json()["error"]


def test_a_photo_that_kept_its_size_says_so_in_a_header(service, photo):
    files = [("content", ("p.png", photo))]
    kept = stylize(service, files, {"preset": "3", "size": "1024"})
    assert Image.open(io.BytesIO(kept.content)).size == (320, 240)
    assert kept.headers["x-nst-note"] == (
        "the photo is 320x240, smaller than size 1024; kept its size (upscale=true enlarges it)"
    )
    enlarged = stylize(service, files, {"preset": "3", "size": "640", "upscale": "true"})
    assert Image.open(io.BytesIO(enlarged.content)).size == (640, 480) and "x-nst-note" not in enlarged.headers
