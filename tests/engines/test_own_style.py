"""Learning a new style for the preset network: real, short learning runs on drawn pictures
(offline: the embedded MobileNetV2 as the loss network), then the style used like a built-in one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import nst
from nst.api import VIDEO_FRAMES, learning_photos
from nst.api.learning import check_keeps_photo, lost_photo_warning
from nst.ops.color import pale_share
from nst.runtime.progress import CancelToken
from nst.styles.learned import LearnedStyle
from nst.styles.library import StyleLibrary
from nst.training.own_style import LearnSettings, learn_style
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting, png_bytes

QUICK = LearnSettings(steps=8, size=96, batch=2, eval_every=4, init="mean")


@pytest.fixture(scope="module")
def photos():
    return [landscape(200, 150, seed=s) for s in range(3)]


@pytest.fixture(scope="module")
def learned(photos) -> LearnedStyle:
    return learn_style(painting(3), photos, name="Quick", settings=QUICK)


def test_learning_lowers_the_loss_from_where_it_starts(learned):
    curve = learned.settings["curve"]  # step, seconds, style, content, total on held-out crops
    assert curve[0][0] == 0 and curve[-1][0] == QUICK.steps
    assert curve[-1][2] < 0.9 * curve[0][2]  # the style loss falls
    assert learned.settings["held_out_loss"] <= curve[0][4]
    assert learned.settings["loss_network"] == "mobilenetv2"  # offline: the embedded network


def test_a_saved_style_paints_the_same_pictures_and_blends_like_a_builtin(learned):
    photo = landscape(256, 192, seed=9)
    StyleLibrary().add(learned, replace=True)
    direct = nst.stylize(photo, preset="Quick", size=256)
    again = LearnedStyle.from_bytes(learned.to_bytes())
    StyleLibrary().add(again, replace=True)
    assert np.array_equal(np.asarray(nst.stylize(photo, preset="quick", size=256)), np.asarray(direct))
    builtin = np.asarray(nst.stylize(photo, preset=19, size=256), np.float32)
    half = np.asarray(nst.stylize(photo, preset="Quick:0.5,19:0.5", size=256), np.float32)
    ours = np.asarray(direct, np.float32)
    assert np.abs(ours - builtin).mean() > 5  # its own look
    assert np.abs(half - ours).mean() > 2 and np.abs(half - builtin).mean() > 2  # a blend lies between
    style = nst.prepare_style(preset="Quick")  # the prepared form every front end passes around
    assert style.engine == "preset" and np.array_equal(style["code"], learned.code)


def test_cancelling_keeps_the_best_so_far(photos):
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p.done)
        if p.done == 3:
            token.cancel()

    style = learn_style(painting(4), photos, name="Stopped", settings=QUICK, progress=progress, cancel=token)
    assert seen[-1] == 3 and style.settings["steps_done"] == 3
    assert np.all(np.isfinite(style.code))


def test_an_unknown_learned_style_is_one_line():
    with pytest.raises(nst.OptionError, match="neither a built-in style .* nor a learned one"):
        nst.stylize(landscape(), preset="Nobody")


def test_the_command_line_learns_lists_uses_and_removes_a_style(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for s in range(2):
        landscape(200, 150, seed=s).save(photos / f"p{s}.png")
    (tmp_path / "art.png").write_bytes(png_bytes(painting(5)))
    learned = run_cli(
        "style", "learn", tmp_path / "art.png", "--name", "Cli Art", "--photos", photos, "--steps", "4",
        "--size", "96", timeout=600,
    )  # fmt: skip
    assert learned.returncode == 0, learned.stderr
    assert "learned 'Cli Art'" in learned.stdout and "--preset 'Cli Art'" in learned.stdout
    assert "I0000" not in learned.stderr and "absl" not in learned.stderr  # TensorFlow's start-up, silenced
    again = run_cli("style", "learn", tmp_path / "art.png", "--name", "Cli Art", "--photos", photos)
    assert again.returncode == 2 and again.stderr.strip().splitlines() == [
        "nst: error: a learned style named 'Cli Art' exists; choose another name, or add --replace to replace it"
    ]
    assert "Cli Art" in run_cli("style", "list").stdout
    out = tmp_path / "out.png"
    used = run_cli(photos / "p0.png", "--preset", "Cli Art", "--size", "128", "-o", out)
    assert used.returncode == 0, used.stderr and out.is_file()
    assert run_cli("style", "remove", "cli art").returncode == 0
    missing = run_cli(photos / "p0.png", "--preset", "Cli Art", "-o", out)
    assert missing.returncode == 2 and "nor a learned one" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_a_clip_gives_frames_spread_over_it_to_learn_on(tmp_path):
    from tests.helpers.clips import write_clip

    shades = [np.full((48, 64, 3), 4 * i, np.uint8) for i in range(60)]  # frame i is grey 4i
    clip = write_clip(tmp_path / "ramp.mp4", shades, audio=None)
    frames = learning_photos(video=clip)
    assert len(frames) == VIDEO_FRAMES and frames[0].size == (64, 48)
    greys = [float(np.asarray(f, np.float32).mean()) for f in frames]
    assert greys[0] < 6 and greys[-1] > 4 * 60 * 0.6  # from the start to well into the clip
    assert all(b > a for a, b in zip(greys, greys[1:], strict=False))  # in order, each a later frame


def test_a_missing_painting_is_named_in_one_line(tmp_path):
    with pytest.raises(nst.ImageError, match="painting nope.jpg: file not found"):
        nst.learn_style(tmp_path / "nope.jpg", [landscape()], name="Never")


def test_learning_stops_where_the_held_out_loss_stops_improving(photos):
    frozen = dataclasses.replace(QUICK, steps=60, eval_every=5, learning_rate=0.0, patience=2)
    style = learn_style(painting(4), photos, name="Frozen", settings=frozen)
    assert style.settings["steps_done"] == 10  # no better loss at steps 5 and 10: no 50 steps more


def test_a_learned_style_is_checked_against_magenta_for_pale_patches(learned, photos):
    check_keeps_photo(learned, painting(3), photos)
    share, reference = learned.settings["pale_share"], learned.settings["pale_share_reference"]
    assert 0.0 <= share <= 1.0 and 0.0 <= reference <= 1.0
    assert learned.settings["reference_engine"] == "magenta"  # the default engine for paintings
    assert ("warning" in learned.settings) == (lost_photo_warning("Quick", share, reference) is not None)


def test_pale_patches_where_the_photo_is_dark_are_measured_and_warned_of():
    photo = np.zeros((2, 10, 10, 3), np.float32)
    photo[:, :, 5:] = 0.9  # dark left half, light right half
    kept = photo.copy()
    pale = photo.copy()
    pale[:, :4, :5] = 0.85  # 20 of the 100 pixels: dark in the photo, light grey here
    assert pale_share(photo, kept) == 0.0 and pale_share(photo, pale) == pytest.approx(0.2)
    tinted = pale.copy()
    tinted[..., 0] = 0.2  # light but coloured: not grey
    assert pale_share(photo, tinted) == 0.0
    assert lost_photo_warning("Sketch", 0.02, None) is None  # a few pale strokes
    assert lost_photo_warning("Sketch", 0.12, 0.10) is None  # a pale painting: magenta paints it pale too
    assert lost_photo_warning("Sketch", 0.084, 0.02, "magenta") == (
        "the style 'Sketch' paints 8% of the picture pale where the photo is dark (magenta: 2%): it loses the "
        "photo; try other photos to learn on, or another painting"
    )
