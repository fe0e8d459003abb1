"""End to end in Debian's Chromium: the real server, real uploads, a real download.

Screenshots go to artifacts/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst.styles.learned import LearnedStyle
from tests.helpers import ROOT
from tests.helpers.app_server import app_for_pytest, chromium_for_pytest, running_app
from tests.helpers.pictures import encoded, landscape, painting

SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def server():
    yield from app_for_pytest()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_for_pytest()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    landscape(400, 300).save(folder / "beach.jpg", quality=95)
    painting(4).save(folder / "painting.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this jpeg stops here")
    return folder


def open_app(browser, url, viewport=(1280, 2000)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True)
    page.goto(url)
    ready(page)
    return page


def ready(page) -> None:
    """The photo page has rendered once (its last widget is there), so uploads land where meant."""
    page.get_by_text("Stylize a photo").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Stylize", exact=True).wait_for(timeout=60_000)
    wait_idle(page, 120_000)  # the first run is done


def go_to(page, name: str, heading: str) -> None:
    """Another page of the app, in the same session (the top bar's link)."""
    page.get_by_role("link", name=name).first.click()
    page.get_by_text(heading).first.wait_for(timeout=60_000)
    wait_idle(page, 120_000)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app's run is over; when it is not, a screenshot of the stuck page is kept
    (artifacts/screenshots/failed-stuck-*.png) beside the server's log (artifacts/logs)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with shot_on_failure(page, f"stuck-{time.strftime('%H%M%S')}"):
        try:
            page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout)
        except PlaywrightTimeout:
            shown = page.locator("[data-testid='stStatusWidget']").inner_text(timeout=5_000)
            message = f"the app was still busy after {timeout / 1000:.0f} s; its status said {shown!r}"
            raise AssertionError(message) from None


@contextlib.contextmanager
def shot_on_failure(page, name: str):
    """A screenshot of the page (artifacts/screenshots/failed-NAME.png) when the block fails."""
    try:
        yield
    except BaseException:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"failed-{name}.png"), full_page=True)
        raise


PHOTO, STYLES, VIDEO = "content_upload", "style_upload", "video_upload"  # the uploaders' widget keys


def upload(page, key: str, path: Path) -> None:
    """Choose ``path`` in the uploader with widget ``key`` (found by key, not by position: under
    load a positional pick once put the photo among the styles), then let its rerun finish."""
    page.locator(f".st-key-{key} input[type='file']").set_input_files(str(path))
    page.wait_for_timeout(500)  # the rerun has started
    wait_idle(page, 120_000)


def stylize_and_download(page, tmp_path: Path) -> Image.Image:
    page.get_by_role("button", name="Stylize", exact=True).click()
    button = page.get_by_role("button", name="Download PNG")
    button.wait_for(timeout=180_000)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "beach_stylized.png"
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return Image.open(target)


def test_upload_slide_stylize_download(server, browser, files, tmp_path):
    page = open_app(browser, server)
    upload(page, PHOTO, files / "beach.jpg")
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("beach.jpg (160x120 shown)").wait_for(timeout=30_000)
    slider = page.get_by_role("slider", name="Style strength (%)")
    slider.focus()
    for _ in range(6):
        slider.press("ArrowLeft")
    assert slider.input_value() == "70"
    result = stylize_and_download(page, tmp_path)
    assert result.format == "PNG" and result.size == (400, 300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stylized.png"), full_page=True)
    page.close()


def test_an_iphone_heic_photo_is_stylized(server, browser, files, tmp_path):
    heic = tmp_path / "beach.heic"
    heic.write_bytes(encoded(landscape(400, 300), "HEIF", quality=90))
    page = open_app(browser, server)
    upload(page, PHOTO, heic)
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("beach.heic (160x120 shown)").wait_for(timeout=30_000)
    assert stylize_and_download(page, tmp_path).size == (400, 300)
    page.close()


def regions_canvas(page):
    """Open the regions part and turn it on: the canvas, once visible."""
    from playwright.sync_api import expect

    page.get_by_text("Regions: paint part of the photo").click()
    page.get_by_text("Style by region").click()
    canvas = page.locator(".st-key-region_canvas canvas").last
    expect(canvas).to_be_visible(timeout=30_000)
    return canvas


def test_a_painted_region_gets_the_style_and_the_rest_stays_the_photo(server, browser, files, tmp_path):
    page = open_app(browser, server)
    upload(page, PHOTO, files / "beach.jpg")
    upload(page, STYLES, files / "painting.png")
    box = regions_canvas(page).bounding_box()
    for row in range(8):  # paint the left half of the photo
        y = box["y"] + box["height"] * (0.05 + row * 0.12)
        page.mouse.move(box["x"] + 5, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=8)
        page.mouse.up()
    page.wait_for_timeout(800)
    wait_idle(page, 60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "region_painted.png"), full_page=True)
    result = np.asarray(stylize_and_download(page, tmp_path).convert("RGB"), np.float32)
    photo = np.asarray(Image.open(files / "beach.jpg").convert("RGB"), np.float32)
    width = photo.shape[1]
    left = np.abs(result - photo)[:, : int(width * 0.35)].mean()
    right = np.abs(result - photo)[:, int(width * 0.6) :].mean()
    assert left > 25 and right < 4, (left, right)  # painted inside; the photo outside
    page.screenshot(path=str(SHOTS / "region_result.png"), full_page=True)
    page.close()


def test_corrupt_upload_shows_error_then_recovers(server, browser, files, tmp_path):
    page = open_app(browser, server)
    upload(page, PHOTO, files / "broken.jpg")
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("broken.jpg: image data is truncated or corrupt").wait_for(timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0
    page.get_by_role("button", name="Stylize", exact=True).click()
    page.get_by_text("broken.jpg cannot be used (see why under it); choose another photo.").wait_for(timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "corrupt_upload.png"), full_page=True)
    upload(page, PHOTO, files / "beach.jpg")
    page.get_by_text("beach.jpg (160x120 shown)").wait_for(timeout=30_000)
    assert stylize_and_download(page, tmp_path).size == (400, 300)
    page.close()


def test_hostile_uploads_show_one_line_errors(server, browser, files, tmp_path):
    from tests.helpers.hostile import invalid_files

    bad = invalid_files()
    page = open_app(browser, server)
    for name in ("page.png", "bomb.png", "sliver.png", "truncated.jpg"):
        path = tmp_path / name
        path.write_bytes(bad[name])
        upload(page, PHOTO, path)
        alert = page.get_by_role("alert").filter(has_text=name)
        alert.wait_for(timeout=30_000)
        assert alert.count() == 1 and "\n" not in alert.inner_text().strip()
    assert page.get_by_text("Traceback").count() == 0
    page.close()


def test_upload_limit_is_enforced(server, browser, tmp_path):
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(21 * 1024 * 1024))
    page = open_app(browser, server)
    upload(page, PHOTO, huge)
    page.get_by_text("20").filter(has_text="MB").first.wait_for(timeout=30_000)
    assert page.get_by_text("huge.png (").count() == 0  # never reached our code
    page.close()


def test_eight_concurrent_sessions_get_their_own_results(server, browser, tmp_path):
    import numpy as np

    import nst

    pages, expected = [], []
    for i in range(8):
        content, style = tmp_path / f"photo{i}.png", tmp_path / f"style{i}.png"
        landscape(200, 150, seed=i).save(content)
        painting(i % 3).save(style)
        expected.append(np.asarray(nst.stylize(content, style), np.int16))
        page = browser.new_context(accept_downloads=True).new_page()
        page.goto(server)
        ready(page)
        upload(page, PHOTO, content)
        upload(page, STYLES, style)
        page.get_by_text(f"photo{i}.png (160x120 shown)").wait_for(timeout=30_000)
        page.get_by_text(f"1. style{i}.png").wait_for(timeout=30_000)
        pages.append(page)
    for page in pages:  # all at once: the server serves eight sessions together
        page.get_by_role("button", name="Stylize", exact=True).click()
    for i, page in enumerate(pages):
        button = page.get_by_role("button", name="Download PNG")
        try:
            button.wait_for(timeout=300_000)  # eight sessions on two cores: minutes on a busy host
        except Exception:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"eight-sessions-{i}-failed.png"), full_page=True)
            raise
        with page.expect_download() as info:
            button.click()
        assert info.value.suggested_filename == f"photo{i}_stylized.png"
        target = tmp_path / f"result{i}.png"
        info.value.save_as(target)
        got = np.asarray(Image.open(target).convert("RGB"), np.int16)
        assert got.shape == expected[i].shape and np.abs(got - expected[i]).mean() < 1
        page.context.close()


def test_uploads_leave_no_files_in_temp(server, browser, files, tmp_path):
    import tempfile

    temp = Path(tempfile.gettempdir())
    ignore = ("pytest-of-", "playwright", ".org.chromium")  # the test run and the browser itself

    def snapshot() -> set[str]:
        return {p.name for p in temp.iterdir() if not p.name.startswith(ignore)}

    before = snapshot()
    page = open_app(browser, server)
    upload(page, PHOTO, files / "beach.jpg")
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("beach.jpg (160x120 shown)").wait_for(timeout=30_000)
    stylize_and_download(page, tmp_path)
    page.close()
    assert snapshot() - before == set()


def test_gatys_progress_and_cancel_keeps_best_so_far(server, browser, files, tmp_path):
    page = open_app(browser, server)
    upload(page, PHOTO, files / "beach.jpg")
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("beach.jpg (160x120 shown)").wait_for(timeout=30_000)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="gatys", exact=True).click()
    iterations = page.get_by_role("slider", name="Iterations")
    iterations.focus()
    iterations.press("End")  # 1000 iterations: far more than the test waits for
    page.get_by_role("button", name="Stylize", exact=True).click()
    page.get_by_text("Best so far (iteration").wait_for(timeout=120_000)
    page.get_by_role("button", name="Cancel (keep the best image so far)").click()
    page.get_by_text("cancelled at iteration").wait_for(timeout=60_000)
    wait_idle(page, 60_000)  # the rerun is done
    assert page.get_by_role("button", name="Cancel (keep the best image so far)").count() == 0  # no stale controls
    assert page.get_by_text("Best so far (iteration").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "gatys_cancelled.png"), full_page=True)
    button = page.get_by_role("button", name="Download PNG")
    with page.expect_download() as info:
        button.click()
    target = tmp_path / "partial.png"
    info.value.save_as(target)
    assert Image.open(target).format == "PNG"
    page.close()


def test_video_upload_stylize_download(server, browser, files, tmp_path):
    import av

    from tests.helpers.clips import PAN, camera_clip, write_clip

    page = open_app(browser, server, viewport=(1366, 768))
    go_to(page, "Video", "1. Your video")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 and then nothing a player could use")
    upload(page, VIDEO, broken)
    page.get_by_text("broken.mp4: corrupt or truncated video").wait_for(timeout=30_000)
    assert page.get_by_text("Traceback").count() == 0
    clip = write_clip(tmp_path / "walk.mp4", (f for f, _, _ in camera_clip(landscape(480, 360), PAN, 12, (192, 112))))
    upload(page, VIDEO, clip)
    # the video's facts first: a style chosen while the video's rerun still runs was lost once in CI
    page.get_by_text("walk.mp4: 192x112, 12 frames at 24 fps, with sound").wait_for(timeout=30_000)
    upload(page, STYLES, files / "painting.png")
    try:
        page.get_by_text("1. painting.png").wait_for(timeout=30_000)
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "video-failed.png"), full_page=True)
        raise
    page.get_by_role("button", name="Stylize video").click()
    button = page.get_by_role("button", name="Download MP4")
    button.wait_for(timeout=180_000)
    assert page.get_by_role("button", name="Cancel").count() == 0  # gone with the progress bar
    from playwright.sync_api import expect

    expect(button).to_be_in_viewport(timeout=10_000)  # the finished video is brought into view
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "video.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "walk_stylized.mp4"
    target = tmp_path / "download.mp4"
    info.value.save_as(target)
    with av.open(str(target)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.frames == 12 and container.streams.audio
    page.close()


def download(page, label: str, target: Path) -> Image.Image:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    info.value.save_as(target)
    return Image.open(target)


def test_small_photo_is_enlarged_on_request_with_a_progress_bar_and_both_downloads(server, browser, files, tmp_path):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page.goto(server)
    ready(page)
    upload(page, PHOTO, files / "beach.jpg")
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("beach.jpg (160x120 shown)").wait_for(timeout=30_000)
    page.get_by_role("button", name="Stylize", exact=True).click()
    page.get_by_text("your photo is 400x300, so it kept its size").wait_for(timeout=120_000)
    assert download(page, "Download PNG", tmp_path / "kept.png").size == (400, 300)
    size = page.get_by_role("slider", name="Output size (long side, px)")
    size.focus()
    for _ in range(3):  # 1024 -> 1536 -> 2048 -> 3072
        size.press("ArrowRight")
    page.get_by_text("Enlarge a smaller photo to this size").click()
    page.get_by_role("button", name="Stylize", exact=True).click()
    # the two renders of a large result as one bar, with the time left
    page.get_by_test_id("stProgress").filter(has_text="s left").wait_for(timeout=120_000)
    page.get_by_text("your 400x300 photo was enlarged to 3072 px").wait_for(timeout=300_000)
    wait_idle(page, 60_000)
    assert page.get_by_test_id("stProgress").count() == 0  # gone with the run
    from playwright.sync_api import expect

    # scrolled to the result, with its downloads, on a 1366x768 screen
    expect(page.get_by_role("button", name="Download JPEG")).to_be_in_viewport(timeout=10_000)
    bar = page.get_by_test_id("stHeader").bounding_box()
    below_bar = """([bottom]) => { const h = document.querySelector('.st-key-result h3').getBoundingClientRect();
        return h.top >= bottom && h.bottom <= window.innerHeight; }"""
    page.wait_for_function(below_bar, arg=[bar["y"] + bar["height"]], timeout=5_000)  # not under the top bar
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "enlarged_1366x768.png"))
    assert download(page, "Download PNG", tmp_path / "big.png").size == (3072, 2304)
    jpeg = download(page, "Download JPEG", tmp_path / "big.jpg")
    assert jpeg.format == "JPEG" and jpeg.size == (3072, 2304)
    page.close()


def test_phone_width_short_engine_names_and_a_view_switch(server, browser, files, tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page.goto(server)
    ready(page)
    unavailable = page.get_by_text("magenta-hub unavailable:")
    assert unavailable.count() == 1 and "--" not in unavailable.inner_text()  # plain words, no flags
    for attempt in range(3):  # a click while the page still settles can leave the menu closed
        page.get_by_test_id("stSelectbox").first.click()
        try:
            page.get_by_role("option").first.wait_for(timeout=10_000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    names = [o.inner_text().strip() for o in page.get_by_role("option").all()]
    assert "magenta" in names and all(len(n) <= 12 for n in names)
    page.keyboard.press("Escape")
    upload(page, PHOTO, files / "beach.jpg")
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("beach.jpg (160x120 shown)").wait_for(timeout=30_000)
    page.get_by_role("button", name="Stylize", exact=True).click()
    page.get_by_role("button", name="Download PNG").wait_for(timeout=120_000)
    wait_idle(page, 60_000)
    assert page.get_by_role("button", name="Download JPEG").count() == 1
    from playwright.sync_api import expect

    # on a phone the result comes first, above the user's own photo, and is in view
    expect(page.locator(".st-key-result [data-testid='stImage']").first).to_be_in_viewport(timeout=10_000)
    result_top = page.locator(".st-key-result").bounding_box()["y"]
    assert result_top < page.get_by_text("beach.jpg (160x120 shown)").bounding_box()["y"]

    pictures = page.locator(".st-key-result [data-testid='stImage']")
    expect(pictures).to_have_count(1, timeout=30_000)  # one picture at a time: compared in place, no scrolling
    width = pictures.first.locator("img").bounding_box()["width"]
    assert width <= 390  # fits the phone
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone_390.png"))

    # before/after: the result over the photo, the line dragged (a range input: touch and keys too)
    page.get_by_role("radio", name="Before/after", exact=True).click()
    view = page.locator(".before-after")
    expect(view).to_be_visible(timeout=30_000)
    assert view.bounding_box()["width"] <= 390
    loaded = view.locator("img").evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert len(loaded) == 2 and all(loaded), loaded
    line = view.get_by_role("slider", name="Before/after: where the line is")
    line.fill("20")
    assert view.evaluate("v => v.style.getPropertyValue('--cut')") == "20%"
    view.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "phone_390_before_after.png"))
    page.close()


def test_the_app_can_leave_inference_to_a_style_server(browser, files, tmp_path):
    """NST_SERVER_URL: the same page, the picture made by `nst serve` (its metrics count it)."""
    import requests

    from tests.helpers.app_server import running_service

    with running_service() as (service, _), running_app(env={"NST_SERVER_URL": service}) as (url, _):
        page = open_app(browser, url)
        upload(page, PHOTO, files / "beach.jpg")
        upload(page, STYLES, files / "painting.png")
        result = stylize_and_download(page, tmp_path)
        assert result.size == (400, 300)
        metrics = requests.get(service + "/metrics", timeout=30).text
        assert 'nst_requests_total{route="/v1/stylize",status="200"} 1.0' in metrics
        go_to(page, "Video", "this app sends photos to a style server")
        page.close()


def start_learning(browser, server, files, name: str):
    """The styles page, a painting and a photo, learning started: the page."""
    page = open_app(browser, server)
    go_to(page, "Your styles", "The painting")
    upload(page, "learn_painting", files / "painting.png")
    upload(page, "learn_photos", files / "beach.jpg")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Learn a style from painting.png").click()
    page.get_by_text("Preparing:").first.wait_for(timeout=15_000)  # at once, not after a silent minute
    return page


def test_learn_a_style_cancel_keeps_the_best_it_paints_and_its_file_loads_again(server, browser, files, tmp_path):
    page = start_learning(browser, server, files, "Beach Paint")
    page.get_by_text("Learning: step").first.wait_for(timeout=120_000)  # the progress bar, with time left
    page.get_by_text("Your photo, so far").wait_for(timeout=240_000)  # the preview at the first evaluation
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "learning.png"), full_page=True)
    page.get_by_role("button", name="Cancel (keep the best so far)").click()
    with shot_on_failure(page, "learn_cancelled"):
        page.get_by_text("Beach Paint: cancelled; kept the best so far").wait_for(timeout=60_000)
        wait_idle(page, 60_000)
        assert page.get_by_role("button", name="Cancel (keep the best so far)").count() == 0  # no stale controls
        assert page.get_by_text("Your photo, so far").count() == 0
        with page.expect_download() as info:
            page.get_by_role("button", name="Download Beach Paint.nststyle").click()
    style_file = tmp_path / "Beach Paint.nststyle"
    info.value.save_as(style_file)
    learned = LearnedStyle.from_bytes(style_file.read_bytes())
    assert learned.name == "Beach Paint" and learned.settings["steps_done"] >= learned.settings["eval_every"]

    go_to(page, "Photo", "Stylize a photo")
    upload(page, PHOTO, files / "beach.jpg")
    page.get_by_text("Show the built-in styles").click()
    page.get_by_role("button", name="✓ Beach Paint (yours)").wait_for(timeout=120_000)  # chosen, in the gallery
    result = np.asarray(stylize_and_download(page, tmp_path).convert("RGB"), np.float32)
    photo = np.asarray(Image.open(files / "beach.jpg").convert("RGB"), np.float32)
    assert np.abs(result - photo).mean() > 20  # painted with the learned style
    page.get_by_text("(Beach Paint (yours))").first.wait_for(timeout=10_000)  # the caption names the style
    page.screenshot(path=str(SHOTS / "learned_in_gallery.png"), full_page=True)
    page.close()

    fresh = open_app(browser, server)  # another visit: the style comes back from its file
    go_to(fresh, "Your styles", "Add a style file")
    upload(fresh, "style_file", style_file)
    fresh.get_by_text("Beach Paint: added from your file").wait_for(timeout=60_000)
    fresh.close()


def test_cancel_before_the_first_step_says_nothing_was_kept(server, browser, files):
    page = start_learning(browser, server, files, "Too Soon")
    page.get_by_role("button", name="Cancel (keep the best so far)").click()
    page.get_by_text("Cancelled before a style was ready; nothing was kept.").wait_for(timeout=120_000)
    wait_idle(page, 60_000)
    assert page.get_by_role("button", name="Download Too Soon.nststyle").count() == 0
    page.close()


def test_phone_gallery_keeps_its_rows_and_sharp_small_tiles(server, browser):
    page = open_app(browser, server, viewport=(390, 844))
    page.get_by_text("Show the built-in styles").click()
    first = page.get_by_role("button", name="#1 ", exact=False).first
    first.wait_for(timeout=180_000)
    wait_idle(page, 60_000)
    page.wait_for_function(  # a tile whose thumbnail has not arrived yet is shorter, and sits lower
        "() => { const i = [...document.querySelectorAll('.st-key-gallery img')];"
        " return i.length == 26 && i.every(x => x.complete && x.naturalWidth > 0); }",
        timeout=60_000,
    )
    boxes = [page.locator(f".st-key-builtin_style_{i}").bounding_box() for i in range(6)]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"] == boxes[3]["y"]  # #0 to #3 in one row
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"] < boxes[3]["x"]
    assert boxes[4]["y"] > boxes[0]["y"] and abs(boxes[4]["x"] - boxes[0]["x"]) < 2  # #4 starts the next row
    sizes = page.locator(".st-key-gallery img").evaluate_all(
        "imgs => imgs.map(i => [i.getBoundingClientRect().width, i.naturalWidth])"
    )
    assert len(sizes) == 26 and all(shown <= natural for shown, natural in sizes)  # shrunk, never enlarged
    assert page.locator(".st-key-gallery").bounding_box()["height"] < 2000
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone_gallery.png"))
    page.close()


def test_phone_regions_canvas_fits_its_column(server, browser, files):
    page = open_app(browser, server, viewport=(390, 844))
    upload(page, PHOTO, files / "beach.jpg")
    box = regions_canvas(page).bounding_box()
    details = page.locator("[data-testid='stExpander']").filter(has_text="Regions").bounding_box()
    assert box["x"] >= details["x"] and box["x"] + box["width"] <= details["x"] + details["width"]
    page.close()


def test_blend_sliders_tell_same_named_styles_apart_and_styles_stay_compact(server, browser, files, tmp_path):
    for i in range(4):
        (tmp_path / f"{i}").mkdir()
        painting(i).save(tmp_path / f"{i}" / "Starry.jpg")
    page = open_app(browser, server)
    upload(page, PHOTO, files / "beach.jpg")
    page.locator(f".st-key-{STYLES} input[type='file']").set_input_files(
        [str(tmp_path / f"{i}" / "Starry.jpg") for i in range(4)]
    )
    page.wait_for_timeout(500)
    wait_idle(page, 120_000)
    labels = [f"{i}. Starry.jpg" for i in range(1, 5)]
    for label in labels:
        assert page.get_by_role("slider", name=label).count() == 1
    style = page.get_by_text("2. Style", exact=True).bounding_box()
    settings = page.get_by_text("3. Settings", exact=True).bounding_box()
    assert settings["y"] - style["y"] < 700  # four styles in one row of small thumbnails (gallery toggle between)
    page.close()


def test_a_rejected_photo_is_named_when_stylize_is_pressed(server, browser, files, tmp_path):
    huge = tmp_path / "huge.png"
    Image.new("RGB", (8000, 8000), (40, 90, 160)).save(huge)  # 64 megapixels in a small file
    page = open_app(browser, server)
    upload(page, PHOTO, huge)
    upload(page, STYLES, files / "painting.png")
    page.get_by_text("huge.png: image is 8000x8000 (64 megapixels); the limit is 50 megapixels").wait_for(
        timeout=30_000
    )
    page.get_by_role("button", name="Stylize", exact=True).click()
    page.get_by_text("huge.png cannot be used (see why under it); choose another photo.").wait_for(timeout=30_000)
    assert page.get_by_text("Add a photo").count() == 0
    page.close()
