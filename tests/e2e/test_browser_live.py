"""The live camera in Debian's Chromium with its fake camera: WebRTC to the real app, offline.

No ICE servers are configured (the default), as on a closed network: the first painted frame
must show within 5 s of pressing Start. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import time

import pytest
from PIL import Image

from tests.helpers import ROOT
from tests.helpers.app_server import app_for_pytest, chromium_for_pytest

SHOTS = ROOT / "artifacts" / "screenshots"
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
FIRST_FRAME_SECONDS = 5.0

# Mean RGB of a video (the live one in the component's frame, or a raw camera stream) drawn small.
MEAN_RGB = """(video) => {
    if (!video || video.readyState < 2 || !video.videoWidth) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 48;
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0, 64, 48);
    const data = context.getImageData(0, 0, 64, 48).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) { sum[0] += data[i]; sum[1] += data[i + 1]; sum[2] += data[i + 2]; }
    return sum.map((s) => s / (data.length / 4));
}"""

RAW_CAMERA = """async () => {
    const stream = await navigator.mediaDevices.getUserMedia({video: true});
    const video = document.createElement('video');
    video.muted = true; video.srcObject = stream; await video.play();
    await new Promise((done) => setTimeout(done, 500));
    const mean = (MEAN_RGB)(video);
    stream.getTracks().forEach((track) => track.stop());
    return mean;
}""".replace("MEAN_RGB", MEAN_RGB)


@pytest.fixture(scope="module")
def server():
    os.environ.pop("NST_ICE_SERVERS", None)
    yield from app_for_pytest()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_for_pytest(*FAKE_CAMERA)


def settled(page) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)


def test_live_camera_is_painted_and_stops_cleanly(server, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1300})
    page.goto(server)
    page.get_by_text("Stylize a photo").first.wait_for(timeout=60_000)
    settled(page)
    page.get_by_role("link", name="Live camera").first.click()
    page.get_by_text("3. Camera").first.wait_for(timeout=120_000)
    settled(page)  # the model and the style are ready before Start (loaded once per process)
    raw = page.evaluate(RAW_CAMERA)
    assert raw is not None and max(raw) > 30, raw  # the fake camera gives frames

    component = page.frame_locator("iframe[title='streamlit_webrtc.component.webrtc_streamer']")
    video = component.locator("video")
    button = component.get_by_role("button", name="Start the camera")
    expect(button).to_be_enabled(timeout=30_000)
    start = time.monotonic()
    button.click()
    painted, first = None, None
    while time.monotonic() - start < 30:
        mean = video.evaluate(MEAN_RGB) if video.count() else None
        if mean is not None and max(mean) > 20 and sum(abs(a - b) for a, b in zip(mean, raw, strict=True)) > 60:
            painted, first = mean, time.monotonic() - start  # not black, and not the camera's colours
            break
        page.wait_for_timeout(100)
    assert painted is not None, f"no painted frame in 30 s (raw camera {raw})"
    assert first <= FIRST_FRAME_SECONDS, f"first painted frame after {first:.1f} s"

    caption = page.get_by_text(re.compile(r"Live: [\d.]+ frames/s"))
    expect(caption).to_be_visible(timeout=15_000)
    fps, latency = map(float, re.search(r"([\d.]+) frames/s, (\d+) ms", caption.inner_text()).groups())
    assert fps > 0 and latency < 1000, (fps, latency)
    page.wait_for_timeout(1500)
    assert video.evaluate("v => v.currentTime") > 0.5  # it plays on
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "live.png"), full_page=True)

    # The snapshot: the camera's last frame stylized at its own size, larger than the live size.
    page.get_by_role("button", name="Snapshot: download this frame at full resolution").click()
    download = page.get_by_role("button", name="Download PNG")
    expect(download).to_be_visible(timeout=60_000)
    with page.expect_download() as saved:
        download.click()
    with Image.open(saved.value.path()) as still:
        assert max(still.size) > 480 and still.size[0] > still.size[1], still.size  # live side 480

    component.get_by_role("button", name="Stop").click()
    expect(component.get_by_role("button", name="Start the camera")).to_be_visible(timeout=15_000)
    expect(video).to_have_count(0, timeout=15_000)
    expect(caption).to_be_hidden(timeout=15_000)  # the server side stopped too
    page.close()
