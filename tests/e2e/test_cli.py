"""``python -m nst`` as a user runs it: results on disk, exit 2 and one stderr line for mistakes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers.cli import run_cli
from tests.helpers.pictures import encoded, landscape, painting


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    landscape(400, 300).save(folder / "beach.jpg", quality=95)
    landscape(300, 400, seed=2).save(folder / "tower.png")
    painting(3).save(folder / "style.jpg")
    painting(9).save(folder / "style2.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole jpeg")
    return folder


def test_single_image(files, tmp_path):
    out = tmp_path / "result.png"
    done = run_cli(files / "beach.jpg", "--style", files / "style.jpg", "-o", out, "--size", "256", "--strength", "0.8")
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (256, 192)
    assert "beach.jpg" in done.stdout and "Traceback" not in done.stderr


def test_blend_preserve_color_jpeg(files, tmp_path):
    out = tmp_path / "blend.jpg"
    done = run_cli(
        files / "beach.jpg",
        "-s",
        files / "style.jpg",
        "-s",
        files / "style2.png",
        "--weights",
        "0.7",
        "0.3",
        "--preserve-color",
        "-o",
        out,
    )
    assert done.returncode == 0, done.stderr
    image = Image.open(out)
    assert image.format == "JPEG" and image.size == (400, 300)
    assert "beach.jpg is 400x300, smaller than --size 1024; kept its size (--upscale enlarges it)" in done.stderr


def test_batch_into_folder_with_progress(files, tmp_path):
    out = tmp_path / "results"
    done = run_cli(
        files / "beach.jpg",
        files / "tower.png",
        files / "broken.jpg",
        "-s",
        files / "style.jpg",
        "-o",
        out,
        "--size",
        "200",
    )
    assert done.returncode == 2  # one input was bad
    assert sorted(p.name for p in out.iterdir()) == ["beach_stylized.png", "tower_stylized.png"]
    assert Image.open(out / "tower_stylized.png").size == (150, 200)
    assert done.stdout.count("[") == 2 and "[1/3]" in done.stdout and "[2/3]" in done.stdout
    assert done.stderr.strip().count("\n") == 0 and "broken.jpg" in done.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing.jpg", "-s", "{d}/style.jpg"], "missing.jpg: file not found"),
        (["{d}/broken.jpg", "-s", "{d}/style.jpg"], "broken.jpg"),
        (["{d}/beach.jpg", "-s", "{d}/broken.jpg"], "broken.jpg"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "--strength", "2"], "strength"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "--strength", "abc"], "invalid float"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "--size", "5"], "size"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "--weights", "1", "2"], "2 style weights for 1"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "-o", "{t}/out.gif"], ".png"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "-o", "{t}/no/such/dir/out.png"], "does not exist"),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "--engine", "picasso"], "invalid choice"),
        (["{d}/beach.jpg"], "give a style image or a built-in style (preset)"),
        (["{d}/beach.jpg", "--preset", "3:1e308,19:1e308"], "preset weights must have a positive, finite sum"),
        (
            ["{d}/beach.jpg", "-s", "{d}/style.jpg", "-s", "{d}/style.jpg", "--weights", "1e308", "1e308"],
            "style weights must have a positive, finite sum",
        ),
        (
            ["{d}/beach.jpg", "-s", "{d}/style.jpg", "--engine", "gatys", "--content-weight", "nan"],
            "content_weight must be a number, got nan",
        ),
        (["{d}/beach.jpg", "-s", "{d}/style.jpg", "--iterations", "5"], "iterations is not a setting of engine"),
        ([], "required"),
    ],
)
def test_mistakes_exit_2_with_one_line(files, tmp_path, args, message):
    done = run_cli(*[a.format(d=files, t=tmp_path) for a in args])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst: error:") and message in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_phone_and_desktop_formats_in_one_batch(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    phone = landscape(240, 180, seed=4)
    for name, fmt in [("iphone.heic", "HEIF"), ("pixel.avif", "AVIF"), ("scan.ppm", "PPM"), ("game.tga", "TGA")]:
        (photos / name).write_bytes(encoded(phone, fmt))
    (photos / "drawing.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    out = tmp_path / "results"
    files = sorted(photos.iterdir())
    done = run_cli(*files, "--preset", "3", "--size", "240", "-o", out)
    assert done.returncode == 2, done.stderr  # the EPS file was refused, the photos done
    written = sorted(out.iterdir())
    assert [p.name for p in written] == [f"{n}_stylized.png" for n in ("game", "iphone", "pixel", "scan")]
    assert all(Image.open(p).size == (240, 180) for p in written)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "drawing.eps: EPS files are not accepted; use JPEG, PNG" in lines[0]


def test_help_lists_every_engine():
    from nst.engines import engine_names

    done = run_cli("--help")
    assert done.returncode == 0
    assert [name for name in engine_names() if name not in done.stdout] == []


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from tests.helpers.clips import PAN, camera_clip, write_clip

    folder = tmp_path_factory.mktemp("video")
    return write_clip(folder / "walk.mp4", (f for f, _, _ in camera_clip(landscape(480, 360), PAN, 8, (160, 96))))


def test_video(clip, tmp_path):
    out = tmp_path / "walk_painted.mp4"
    done = run_cli("video", clip, "-o", out, "--preset", "19", "--size", "128")
    assert done.returncode == 0, done.stderr
    assert "walk.mp4 ->" in done.stdout and "8 frames" in done.stdout and "audio kept" in done.stdout
    assert "frames/s" in done.stderr and "Traceback" not in done.stderr  # the progress bar
    import av

    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (128, 76) and video.frames == 8


@pytest.mark.parametrize(
    "args,message",
    [
        (["video", "{d}/beach.jpg", "-o", "{t}/out.mp4", "--preset", "3"], "not a video"),
        (["video", "{t}/missing.mp4", "-o", "{t}/out.mp4", "--preset", "3"], "missing.mp4: file not found"),
        (["video", "{c}", "-o", "{t}/out.mov", "--preset", "3"], "name it .mp4"),
        (["video", "{c}", "-o", "{t}/out.mp4"], "give a style image or a built-in style (preset)"),
        (["video", "{c}", "-o", "{t}/out.mp4", "--preset", "3", "--smoothing", "1.5"], "smoothing"),
        (["video", "{c}", "-o", "{t}/out.mp4", "--preset", "3", "--strength", "7"], "strength"),
        (["video", "{c}", "-o", "{t}/out.mp4", "-s", "{d}/broken.jpg"], "broken.jpg"),
    ],
)
def test_video_mistakes_exit_2_with_one_line(files, clip, tmp_path, args, message):
    done = run_cli(*[a.format(d=files, t=tmp_path, c=clip) for a in args])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst: error:") and message in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []


def test_video_ctrl_c_leaves_no_output(tmp_path):
    import signal
    import subprocess
    import time

    from tests.helpers.cli import NST
    from tests.helpers.clips import PAN, camera_clip, write_clip

    source = write_clip(tmp_path / "long.mp4", (f for f, _, _ in camera_clip(landscape(), PAN, 300, (320, 180))))
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [NST, "video", source, "-o", out / "long_painted.mp4", "--preset", "4"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        line = ""
        while "frames" not in line and time.monotonic() < deadline:  # the first progress line: frames are flowing
            line = process.stderr.readline()
        assert "frames" in line
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130 and "no video written" in err and "Traceback" not in err
    assert list(out.iterdir()) == []


def test_video_killed_leaves_a_part_that_the_next_run_removes(tmp_path):
    """kill -9 cannot be cleaned up after; the next run that writes the same file removes what the
    dead one left, and leaves another live writer's part alone."""
    import signal
    import subprocess
    import time

    from tests.helpers.cli import NST
    from tests.helpers.clips import PAN, camera_clip, write_clip

    source = write_clip(tmp_path / "long.mp4", (f for f, _, _ in camera_clip(landscape(), PAN, 300, (320, 180))))
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [NST, "video", source, "-o", out / "long_painted.mp4", "--preset", "4"],
        stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(".long_painted.mp4.*.part")) and time.monotonic() < deadline:
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    left = list(out.glob(".long_painted.mp4.*.part"))
    assert len(left) == 1  # what a killed run leaves
    live = out / f".long_painted.mp4.{os.getpid()}-0000beef.part"  # this test process is alive
    live.write_bytes(b"someone else's work in progress")
    short = write_clip(tmp_path / "short.mp4", (f for f, _, _ in camera_clip(landscape(), PAN, 4, (160, 96))))
    done = run_cli("video", short, "-o", out / "long_painted.mp4", "--preset", "4", "--size", "96")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [live.name, "long_painted.mp4"]


def test_the_output_never_replaces_the_photo(files, tmp_path):
    photo = tmp_path / "beach.jpg"
    photo.write_bytes((files / "beach.jpg").read_bytes())
    done = run_cli(photo, "--preset", "19", "-o", photo)
    assert done.returncode == 2 and "beach.jpg: the output would overwrite the input photo" in done.stderr
    assert photo.read_bytes() == (files / "beach.jpg").read_bytes()


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(files, tmp_path):
    readonly = Path("/sys/kernel")  # a folder even root cannot write in
    done = run_cli(files / "beach.jpg", files / "tower.png", "--preset", "19", "-o", readonly)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "cannot write to the output folder /sys/kernel" in done.stderr and "stylized" not in done.stdout
    single = run_cli(files / "beach.jpg", "--preset", "19", "-o", readonly / "beach.png")
    assert single.returncode == 2 and "cannot write to the output folder /sys/kernel" in single.stderr
