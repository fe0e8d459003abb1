"""``nst train``: a real (tiny) run on generated images, checkpoints, resume, exported weights."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import numpy as np
import pytest

from nst.nets.adain import build_decoder, load_decoder, save_decoder
from nst.training.train import main
from tests.helpers import ROOT
from tests.helpers.cli import NST
from tests.helpers.pictures import landscape, painting


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (root / "content").mkdir()
    (root / "styles").mkdir()
    for i in range(24):  # about 10 % by name go to validation: here 6 photos and 3 paintings
        landscape(160, 120, seed=i).save(root / "content" / f"photo{i}.jpg")
        painting(i, size=140).save(root / "styles" / f"art{i}.png")
    return root


def args(folders, vgg_npz, out, steps: int, *extra: str) -> list[str]:
    return [
        "--content", str(folders / "content"), "--styles", str(folders / "styles"), "--vgg", str(vgg_npz),
        "--out", str(out), "--steps", str(steps), "--batch", "2", "--size", "64", "--precision", "float32",
        "--checkpoint-every", "2", "--validate-every", "2", *extra,
    ]  # fmt: skip


def test_train_checkpoint_resume_and_export(folders, vgg_npz, tmp_path, capsys):
    out, exported = tmp_path / "run", tmp_path / "decoder.npz"
    assert main(args(folders, vgg_npz, out, 2, "--export", str(exported), "--band-loss")) == 0
    cut, first = load_decoder(exported)
    assert (out / "decoder.npz").is_file() and list((out / "logs").glob("events.out.tfevents.*"))
    assert (out / "checkpoints" / "ckpt-2.index").is_file()
    err = capsys.readouterr().err
    assert "val_style" in err and "2/2" in err

    with pytest.raises(SystemExit, match="--resume"):
        main(args(folders, vgg_npz, out, 4))
    assert main(args(folders, vgg_npz, out, 4, "--resume", "--export", str(exported), "--tv-weight", "0.5")) == 0
    assert "resumed at step 2" in capsys.readouterr().err
    settings = json.loads((out / "settings.json").read_text())
    assert settings["weights"]["tv"] == 0.5 and settings["weights"]["style"] == 3.0  # given again / kept
    assert settings["band_loss"] is True  # kept without being given again
    assert [r["weights"]["tv"] for r in settings["runs"]] == [0.0, 0.5]
    assert (out / "checkpoints" / "ckpt-4.index").is_file()
    _, later = load_decoder(exported)
    changed = [not np.array_equal(a.numpy(), b.numpy()) for a, b in zip(first.weights, later.weights, strict=True)]
    assert all(changed)  # every layer kept learning after the resume

    fresh = tmp_path / "fine-tune"  # a new run from shipped-style weights: nothing trained yet, nothing changed
    assert main(args(folders, vgg_npz, fresh, 0, "--init", str(exported))) == 0
    _, started = load_decoder(fresh / "decoder.npz")
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(later.weights, started.weights, strict=True))

    coded, plain = tmp_path / "coded", tmp_path / "two_level.npz"  # a style-coded decoder grows from
    save_decoder(build_decoder("two_level"), "two_level", plain)  # uncoded weights, and its code learns
    assert main(args(folders, vgg_npz, coded, 2, "--init", str(plain), "--cut", "two_level_coded")) == 0
    cut, grown = load_decoder(coded / "decoder.npz")
    assert cut == "two_level_coded" and np.abs(grown.get_layer("film1").kernel.numpy()).max() > 0

    finer = tmp_path / "finer"  # and a three-level one from that, its 1/2-size input's convolution learning
    grown_file = str(coded / "decoder.npz")
    assert main(args(folders, vgg_npz, finer, 2, "--init", grown_file, "--cut", "three_level_coded")) == 0
    cut, three = load_decoder(finer / "decoder.npz")
    assert cut == "three_level_coded" and np.abs(three.get_layer("detail0").kernel.numpy()).max() > 0


def test_a_decoder_grown_a_finer_level_starts_out_drawing_what_it_grew_from(tmp_path):
    from nst.nets.adain import init_decoder

    rng = np.random.default_rng(0)
    two = build_decoder("two_level_coded")
    for w in two.weights:  # trained-looking weights, the zero-started layers included
        w.assign(rng.normal(0, 0.05, tuple(w.shape)).astype(np.float32))
    save_decoder(two, "two_level_coded", tmp_path / "two.npz")
    _, two = load_decoder(tmp_path / "two.npz")
    three = build_decoder("three_level_coded")
    assert init_decoder(three, tmp_path / "two.npz") == ["detail0/kernel", "detail0/bias"]
    features = [rng.uniform(0, 6, (1, s, s, c)).astype(np.float32) for s, c in ((32, 96), (16, 144), (8, 192))]
    code = rng.uniform(0, 2, (1, 384)).astype(np.float32)
    before = np.asarray(two([*features[1:], code]))
    after = np.asarray(three([*features, code]))
    assert before.shape == after.shape == (1, 64, 64, 3)
    assert np.abs(before).max() > 0.1 and np.allclose(before, after, atol=1e-5)


def test_band_loss_sees_each_picture_with_its_own_styles_band_contrast():
    import tensorflow as tf

    from nst.io.images import to_array
    from nst.ops.bands import band_contrast, match_each_band_contrast

    pictures = tf.constant(np.stack([to_array(landscape(96, 96, seed=i)) for i in range(2)]))
    styles = np.stack([to_array(painting(i, size=96)) for i in (1, 5)])
    with tf.GradientTape() as tape:
        tape.watch(pictures)
        shown = match_each_band_contrast(pictures, tf.constant(styles))
        total = tf.reduce_sum(shown * shown)
    for i in range(2):
        target = np.asarray(band_contrast(styles[i : i + 1]))
        before = np.abs(np.asarray(band_contrast(pictures[i : i + 1])) - target).mean()
        after = np.abs(np.asarray(band_contrast(shown[i : i + 1])) - target).mean()
        assert after < 0.7 * before, (i, before, after)
    gradient = np.asarray(tape.gradient(total, pictures))
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 0


def test_sigterm_stops_with_a_checkpoint(folders, vgg_npz, tmp_path):
    out = tmp_path / "run"
    command = [NST, "train", *args(folders, vgg_npz, out, 100000)]
    command[command.index("--checkpoint-every") + 1] = "100000"  # only the stop writes one
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, env={**os.environ})
    for line in process.stderr:  # a line per 20 steps when stderr is not a terminal
        if "20/100000" in line:
            break
    process.send_signal(signal.SIGTERM)
    rest = process.communicate(timeout=120)[1]
    assert process.returncode == 0
    assert "stopped; saving a checkpoint" in rest
    saved = sorted(int(p.name.split("-")[1].split(".")[0]) for p in (out / "checkpoints").glob("ckpt-*.index"))
    assert saved and saved[-1] >= 20
    load_decoder(out / "decoder.npz")
