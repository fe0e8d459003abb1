"""The live camera path on real models and real PyAV frames: what the WebRTC callback does."""

from __future__ import annotations

import statistics

import av
import numpy as np
import pytest

import nst
from nst.engines.contract import Settings
from nst.live import LiveStylizer, ice_servers, live_size, warm_up
from nst.ops.flow import warping_error
from tests.helpers.clips import PAN, camera_clip
from tests.helpers.pictures import landscape, painting


@pytest.fixture(scope="module")
def preset():
    return nst.get_engine("preset")


@pytest.fixture(scope="module")
def clip():
    return list(camera_clip(landscape(640, 480), PAN, 8, (400, 300)))


def live(runner, settings=None, *, preset_index=3, **options) -> LiveStylizer:
    stylizer = LiveStylizer()
    style = nst.prepare_style(engine=runner.name, preset=preset_index)
    stylizer.configure(runner, style, settings or Settings(size=320, upscale=True), **options)
    return stylizer


def yuv(frame: np.ndarray) -> av.VideoFrame:
    """A frame as WebRTC's decoder hands it over."""
    return av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(format="yuv420p")


def test_frames_come_back_painted_at_the_live_size(preset, clip):
    stylizer = live(preset)
    frame = clip[0][0]
    out = stylizer.on_frame(yuv(frame))
    assert isinstance(out, av.VideoFrame) and (out.width, out.height) == (320, 240)
    picture = out.to_ndarray(format="rgb24").astype(np.float32)
    camera = np.asarray(av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(320, 240).to_ndarray(format="rgb24"))
    assert picture.mean() > 20  # not black
    assert np.abs(picture - camera).mean() > 20  # painted, not the camera's frame
    stats = stylizer.stats()
    assert stats.frames == 1 and stats.latency > 0


def test_an_unconfigured_stream_shows_the_camera(clip):
    frame = clip[0][0]
    stylizer = LiveStylizer()
    assert np.array_equal(stylizer.stylize(frame), frame)
    assert stylizer.stats().frames == 0


def test_switching_style_mid_stream_paints_the_new_style_at_once(preset, clip):
    stylizer = live(preset)
    for frame, _, _ in clip[:3]:
        stylizer.stylize(frame)
    stylizer.configure(preset, nst.prepare_style(engine="preset", preset=12), Settings(size=320, upscale=True))
    switched = stylizer.stylize(clip[3][0])
    fresh = live(preset, preset_index=12).stylize(clip[3][0])
    assert np.array_equal(switched, fresh)  # no strokes of the old style carried along
    assert np.abs(switched.astype(float) - live(preset).stylize(clip[3][0])).mean() > 10


def test_steady_strokes_follow_the_motion(preset):
    truth = list(camera_clip(landscape(480, 360), PAN, 10, (320, 180)))
    errors = {}
    for steady in (False, True):
        stylizer = live(preset, steady=steady)
        frames = [stylizer.stylize(f).astype(np.float32) / 255 for f, _, _ in truth]
        errors[steady] = statistics.mean(
            warping_error(frames[t], frames[t - 1], truth[t][1], truth[t][2]) for t in range(1, len(frames))
        )
    assert errors[True] < 0.8 * errors[False], errors


def test_half_size_painting_keeps_the_cameras_detail(preset, clip):
    import cv2

    frame = clip[0][0]
    settings = Settings(size=400, upscale=True)
    fast = live(preset, settings, paint_scale=0.5, steady=False).stylize(frame)
    assert fast.shape == (300, 400, 3)
    half = live(preset, Settings(size=320, upscale=True), steady=False)
    upscaled = cv2.resize(half.stylize(cv2.resize(frame, (200, 150), interpolation=cv2.INTER_AREA)), (400, 300),
                          interpolation=cv2.INTER_CUBIC)  # fmt: skip

    def detail(image):  # the finest band of the luminance
        gray = image.astype(np.float32).mean(axis=2)
        return (gray - cv2.GaussianBlur(gray, (0, 0), 1.5)).ravel()

    def follows_camera(image) -> float:
        return np.corrcoef(detail(image), detail(frame))[0, 1]

    # the camera's finest detail is in the fast picture (0.27 here), not in the half-size one enlarged (0.0)
    assert follows_camera(fast) > 0.2 and follows_camera(fast) > follows_camera(upscaled) + 0.15
    assert np.abs(fast.astype(np.float32) - frame.astype(np.float32)).mean() > 20  # and it is painted


def test_adain_and_magenta_paint_the_uploaded_style(clip):
    frame = clip[0][0]
    for engine in ("adain", "magenta"):
        runner = nst.get_engine(engine)
        stylizer = LiveStylizer()
        stylizer.configure(runner, nst.prepare_style(painting(2), engine=engine), Settings(size=320, upscale=True))
        out = stylizer.stylize(frame)
        assert out.shape == (240, 320, 3) and out.dtype == np.uint8
        assert np.abs(out.astype(float) - np.asarray(av.VideoFrame.from_ndarray(frame).reformat(320, 240)
                                                      .to_ndarray(format="rgb24"))).mean() > 15  # fmt: skip


def test_snapshot_is_the_last_camera_frame_at_full_size(preset, clip):
    stylizer = live(preset)
    assert stylizer.snapshot() is None
    stylizer.stylize(clip[0][0])
    stylizer.stylize(clip[1][0])
    assert np.array_equal(stylizer.snapshot(), clip[1][0])  # 400x300, not the 320 px live size


def test_warm_up_sets_the_model_up_for_the_common_camera_shapes():
    """After warm-up, the first frames of a 4:3 and a 16:9 camera trace no new graph, steady
    (painted in a larger canvas) or not."""
    from nst.engines import engine_class

    fresh = engine_class("preset")()  # its own graphs, untouched by other tests
    settings = Settings(size=320, upscale=True)
    style = nst.prepare_style(engine="preset", preset=0)
    warm_up(fresh, style, settings)
    warmed = fresh.runner.traces()
    for steady in (False, True):
        stylizer = LiveStylizer()
        stylizer.configure(fresh, style, settings, steady=steady)
        for width, height in ((640, 480), (1280, 720)):
            assert stylizer.stylize(np.full((height, width, 3), 90, np.uint8)).shape[1] == 320
    assert warmed >= 1 and fresh.runner.traces() == warmed


def test_live_size_bounds():
    assert live_size(1280, 720, 480) == (480, 270)
    assert live_size(640, 480, 720) == (640, 480)  # never larger than the camera
    assert live_size(641, 481, 720) == (640, 480)  # even sides for VP8
    for bad in (100, 2000, 480.0, True):
        with pytest.raises(nst.OptionError, match="live resolution must be 320 to 720"):
            live_size(640, 480, bad)


def test_configure_refuses_what_does_not_fit(preset):
    stylizer = LiveStylizer()
    adain_style = nst.prepare_style(painting(2), engine="adain")
    with pytest.raises(nst.OptionError, match="prepared for engine 'adain', not 'preset'"):
        stylizer.configure(preset, adain_style, Settings(size=480))
    with pytest.raises(nst.OptionError, match="paint scale must be one of"):
        stylizer.configure(preset, nst.prepare_style(engine="preset", preset=0), Settings(size=480), paint_scale=0.3)
    with pytest.raises(nst.OptionError, match="live resolution"):
        stylizer.configure(preset, nst.prepare_style(engine="preset", preset=0), Settings(size=1024))


def test_ice_servers_are_none_unless_the_host_sets_them():
    assert ice_servers(None) == [] and ice_servers("  ") == []
    servers = '[{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"}]'
    assert ice_servers(servers)[0]["username"] == "u"
    assert ice_servers('[{"urls": "stun:10.0.0.1:3478"}]') == [{"urls": "stun:10.0.0.1:3478"}]
    for bad, message in (("{nope", "is not JSON"), ('{"urls": "stun:x"}', "must be a list"),
                         ('[{"urls": ["http://x"]}]', "stun: or turn:"), ("[1]", "must be a list")):  # fmt: skip
        with pytest.raises(nst.OptionError, match=message):
            ice_servers(bad)
