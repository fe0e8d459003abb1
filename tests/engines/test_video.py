"""Video on real clips the tests encode with PyAV, through real engines and FFmpeg's codecs."""

from __future__ import annotations

import fractions
import statistics

import av
import numpy as np
import pytest
from PIL import Image

import nst
from nst.errors import VideoError
from nst.io.video import VideoReader
from nst.ops.flow import warping_error
from nst.video import stylize_video
from tests.helpers.clips import PAN, camera_clip, solid_frames, write_clip
from tests.helpers.pictures import landscape, painting

NTSC = fractions.Fraction(30000, 1001)


def frames_of(path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return list(reader.frames())


def streams(path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        return {
            "codec": video.codec_context.name,
            "pix_fmt": video.codec_context.pix_fmt,
            "rate": video.average_rate,
            "size": (video.codec_context.width, video.codec_context.height),
            "audio": audio.codec_context.name if audio else None,
            "audio_seconds": float(audio.duration * audio.time_base) if audio and audio.duration else 0.0,
        }


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "pan.mp4"
    return write_clip(path, (f for f, _, _ in camera_clip(landscape(480, 360), PAN, 10, (160, 96))), fps=NTSC)


def test_frames_rate_and_audio_are_kept(clip, tmp_path):
    out = tmp_path / "out.mp4"
    result = stylize_video(clip, out, preset=19)
    info = streams(out)
    assert result.frames == 10 and len(frames_of(out)) == 10
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["rate"] == NTSC
    assert info["size"] == (160, 96) and info["audio"] == "aac"
    assert info["audio_seconds"] == pytest.approx(10 / float(NTSC), abs=0.1)
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # no temporary file left


def test_audio_that_mp4_cannot_take_is_reencoded_to_aac(tmp_path):
    source = write_clip(tmp_path / "in.mkv", solid_frames(6), fps=12, audio="pcm_s16le")
    out = tmp_path / "out.mp4"
    stylize_video(source, out, preset=3, strength=0.0)
    info = streams(out)
    assert info["audio"] == "aac" and info["audio_seconds"] == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_rotation_metadata_is_applied(tmp_path, rotation):
    source = write_clip(tmp_path / "in.mp4", solid_frames(4, (64, 48)), fps=10, rotation=rotation, audio=None)
    out = tmp_path / "out.mp4"
    stylize_video(source, out, preset=3, strength=0.0)  # strength 0: the frames as they are
    frame = frames_of(out)[0].astype(float)
    expected = np.rot90(next(solid_frames(1, (64, 48))), rotation // 90).astype(float)
    assert frame.shape == expected.shape
    assert np.abs(frame - expected).mean() < 12  # the white stripe where the viewer saw it


def test_frame_order_and_strength_zero_keep_the_frames(tmp_path):
    source = write_clip(tmp_path / "in.mp4", solid_frames(8, (64, 48)), fps=8, audio=None)
    out = tmp_path / "out.mp4"
    stylize_video(source, out, preset=3, strength=0.0)
    reds = [int(np.median(f[:, 40:, 0])) for f in frames_of(out)]
    assert reds == pytest.approx([i * 20 for i in range(8)], abs=6)


def test_gif_and_webm_inputs(tmp_path):
    gif = write_clip(tmp_path / "in.gif", solid_frames(5, (64, 48)), fps=10, codec="gif", audio=None)
    webm = write_clip(tmp_path / "in.webm", solid_frames(5, (64, 48)), fps=10, codec="libvpx-vp9", audio="libopus")
    for source in (gif, webm):
        out = tmp_path / f"{source.suffix[1:]}.mp4"
        result = stylize_video(source, out, preset=5)
        assert result.frames == 5 and streams(out)["codec"] == "h264"
    assert streams(tmp_path / "webm.mp4")["audio"] == "aac"


def test_size_is_the_long_side_and_even(clip, tmp_path):
    out = tmp_path / "out.mp4"
    result = stylize_video(clip, out, preset=19, size=101)
    assert (result.width, result.height) == (100, 60) and streams(out)["size"] == (100, 60)


def test_temporal_consistency_reduces_warping_error(tmp_path):
    truth = list(camera_clip(landscape(480, 360), PAN, 12, (192, 112)))
    source = write_clip(tmp_path / "in.mp4", (f for f, _, _ in truth), fps=12, audio=None)
    errors = {}
    for temporal in (False, True):
        out = tmp_path / f"{temporal}.mp4"
        stylize_video(source, out, painting(1), engine="adain", temporal=temporal)
        frames = [f.astype(np.float32) / 255 for f in frames_of(out)]
        errors[temporal] = statistics.mean(
            warping_error(frames[t], frames[t - 1], truth[t][1], truth[t][2]) for t in range(1, len(frames))
        )
    assert errors[True] < 0.75 * errors[False], errors  # the targets are in benchmarks/video.py


def test_a_fine_grained_style_keeps_its_grain_when_steadied(tmp_path):
    truth = list(camera_clip(landscape(640, 480), PAN, 12, (320, 180), noise=2.5))
    source = write_clip(tmp_path / "in.mp4", (f for f, _, _ in truth), fps=12, audio=None)
    runs = {}
    for temporal in (False, True):
        stylize_video(source, tmp_path / f"{temporal}.mp4", preset=19, temporal=temporal)
        runs[temporal] = [f.astype(np.float32) / 255 for f in frames_of(tmp_path / f"{temporal}.mp4")]

    def grain(frame: np.ndarray) -> float:  # what changes from one pixel to the next
        return float(np.square(np.diff(frame, axis=1)).mean() + np.square(np.diff(frame, axis=0)).mean())

    kept = statistics.mean(grain(s) / grain(f) for s, f in zip(runs[True][1:], runs[False][1:], strict=True))
    errors = {
        temporal: statistics.mean(warping_error(f[t], f[t - 1], truth[t][1], truth[t][2]) for t in range(1, len(f)))
        for temporal, f in runs.items()
    }
    assert kept > 0.95, kept
    assert errors[True] < 0.5 * errors[False], errors


def test_prepared_style_progress_and_cancel(clip, tmp_path):
    style = nst.prepare_style(preset=7)
    reports = []
    stylize_video(clip, tmp_path / "a.mp4", style, progress=reports.append)
    assert [p.done for p in reports] == list(range(1, 11)) and reports[-1].unit == "frame"
    assert reports[0].preview is not None and reports[0].preview.shape == (96, 160, 3)
    token = nst.CancelToken()

    def stop_after_three(p: nst.Progress) -> None:
        if p.done == 3:
            token.cancel()

    with pytest.raises(nst.Cancelled):
        stylize_video(clip, tmp_path / "b.mp4", style, progress=stop_after_three, cancel=token)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]  # nothing of b.mp4, not even a part


def test_gatys_starts_each_frame_from_the_last(tmp_path):
    """Each frame starts from the last result warped onto it: consecutive frames agree along the
    motion far better than frames optimized each on its own."""
    truth = list(camera_clip(landscape(480, 360), PAN, 4, (128, 80)))
    source = write_clip(tmp_path / "in.mp4", (f for f, _, _ in truth), fps=6, audio=None)
    errors = {}
    for temporal in (False, True):
        out = tmp_path / f"{temporal}.mp4"
        result = stylize_video(source, out, painting(2), engine="gatys", temporal=temporal, iterations=8)
        frames = [f.astype(np.float32) / 255 for f in frames_of(out)]
        assert result.frames == len(frames) == 4
        errors[temporal] = statistics.mean(
            warping_error(frames[t], frames[t - 1], truth[t][1], truth[t][2]) for t in range(1, len(frames))
        )
    assert errors[True] < 0.6 * errors[False], errors


def _truncated(tmp_path):
    whole = write_clip(tmp_path / "whole.mp4", solid_frames(40, (64, 48)), fps=10, audio=None, bit_rate=400_000)
    # make the index come first (as cameras and our writer do), then cut the frames off
    fast = tmp_path / "fast.mp4"
    with av.open(str(whole)) as src, av.open(str(fast), "w", options={"movflags": "+faststart"}) as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    data = fast.read_bytes()
    return data[: len(data) * 4 // 5]  # the index whole, the last frames missing


def _no_video(tmp_path):
    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=44100, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 4096), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 44100, 0
        out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
    return path.read_bytes()


def _no_frames(tmp_path):
    path = tmp_path / "empty.avi"  # AVI keeps a track with no frames (MP4 and Matroska drop it)
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        out.start_encoding()  # the header and an empty index, no frames
    return path.read_bytes()


def _unknown_codec(tmp_path):
    data = write_clip(tmp_path / "x.mp4", solid_frames(3, (64, 48)), fps=10, audio=None).read_bytes()
    return data.replace(b"avc1", b"zzzz")


def _huge(tmp_path):
    return write_clip(tmp_path / "tall.mp4", solid_frames(1, (16, 8200)), fps=10, audio=None).read_bytes()


def _tiny(tmp_path):
    return write_clip(tmp_path / "tiny.mp4", solid_frames(2, (32, 24)), fps=10, audio=None).read_bytes()


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda tmp: b"hello, not a video at all", "not a video"),
        (lambda tmp: landscape().tobytes()[:5000], "not a video"),
        (_truncated, "truncated"),
        (_no_video, "no video stream"),
        (_no_frames, "no frames"),
        (_unknown_codec, "codec"),
        (_huge, "8200"),
        (_tiny, "at least 64"),
    ],
)
def test_bad_videos_fail_in_one_line_and_leave_nothing(tmp_path, make, message):
    data = make(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(VideoError) as error:
        stylize_video(data, out_dir / "out.mp4", preset=3, name="upload.mp4")
    text = str(error.value)
    assert message in text and "\n" not in text and text.startswith("upload.mp4"), text
    assert list(out_dir.iterdir()) == []


def test_too_long_a_video_is_refused(clip, tmp_path, monkeypatch):
    monkeypatch.setenv("NST_MAX_VIDEO_SECONDS", "0.1")
    with pytest.raises(VideoError, match="long; the limit"):
        stylize_video(clip, tmp_path / "out.mp4", preset=3)
    assert list(tmp_path.iterdir()) == []


def test_a_huge_canvas_is_refused_before_a_frame_is_decoded(tmp_path):
    """A few KB of GIF can declare an 8000x8000 canvas: 192 MB a frame once decoded."""
    frames = [Image.new("P", (8000, 8000), i) for i in range(2)]
    path = tmp_path / "canvas.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    assert path.stat().st_size < 100_000
    with pytest.raises(VideoError, match=r"canvas\.gif: 8000x8000 frames \(64 megapixels\); the limit is 33"):
        VideoReader(path)
