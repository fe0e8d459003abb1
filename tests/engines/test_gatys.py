"""The ``gatys`` engine: losses fall, early stop keeps the best image, feature networks load offline,
and a photo waiting for its slot runs between two of its iterations."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

import nst
from nst.engines.gatys import GatysOptions, stage_iterations, stage_sides
from nst.nets import features
from nst.runtime.network import OFFLINE_ENV
from nst.runtime.slots import inference_slots
from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape, painting


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """No VGG-19 file and an unreachable download host: the offline path, never a download."""
    mp = pytest.MonkeyPatch()
    mp.setattr(features, "DOWNLOAD_HOST", "storage.invalid")  # belt and braces with NST_OFFLINE
    mp.setenv(OFFLINE_ENV, "1")
    mp.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("keras_home")))
    mp.delenv(features.WEIGHTS_ENV, raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def gatys(offline):
    return nst.get_engine("gatys")


def test_offline_falls_back_to_mobilenet_and_says_so(gatys):
    assert gatys.features.name == "mobilenetv2"
    assert "not available offline" in gatys.note and "NST_VGG19_WEIGHTS" in gatys.note


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_losses_fall(gatys, optimizer):
    reports = []
    out = nst.stylize(
        landscape(96, 64),
        painting(3),
        engine="gatys",
        size=96,
        progress=reports.append,
        options=GatysOptions(iterations=25, optimizer=optimizer, preview_every=5, learning_rate=0.03),
    )
    assert out.size == (96, 64)
    assert [r.done for r in reports] == list(range(1, len(reports) + 1)) and len(reports) >= 20
    assert all(r.total == 25 and r.unit == "iteration" for r in reports)
    total = [gatys_total(r) for r in reports]
    assert total[-1] < 0.7 * total[0]
    assert reports[-1].losses["style"] < reports[0].losses["style"]
    assert sum(r.preview is not None for r in reports) >= 4  # previews for the UI


def test_a_photo_waiting_for_the_slot_runs_between_gatys_iterations(gatys):
    """Every slot busy (one with Gatys): a preset photo does not wait for the optimizer's end."""
    slots, release = inference_slots(), threading.Event()
    others = slots.count - 1
    entered = threading.Barrier(others + 1)

    def other_user():
        with slots.hold():
            entered.wait()
            release.wait(timeout=120)

    holders = [threading.Thread(target=other_user) for _ in range(others)]
    for holder in holders:
        holder.start()
    entered.wait(timeout=30)
    nst.get_engine("preset")  # loaded: what the photo waits for is the slot
    reports, results = [], {}
    options = GatysOptions(iterations=400, optimizer="adam")

    def optimize():
        results["gatys"] = nst.stylize(
            landscape(128, 96), painting(3), engine="gatys", size=128, progress=reports.append, options=options
        )

    optimizer = threading.Thread(target=optimize)
    try:
        optimizer.start()
        deadline = time.monotonic() + 60
        while len(reports) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        photo = nst.stylize(landscape(128, 96), preset=19, size=128)
        done_when_served = reports[-1].done
        optimizer.join(timeout=300)
    finally:
        release.set()
        for holder in holders:
            holder.join(timeout=30)
    assert photo.size == (128, 96) and results["gatys"].size == (128, 96)
    assert 3 <= done_when_served < 400 and reports[-1].done == 400  # served mid-optimization; Gatys went on


def gatys_total(report) -> float:
    s, losses = GatysOptions(), report.losses
    return s.content_weight * losses["content"] + s.style_weight * losses["style"] + s.tv_weight * losses["tv"]


def test_stop_early_keeps_best_so_far(gatys):
    reports = []
    out = nst.stylize(
        landscape(96, 64),
        painting(3),
        engine="gatys",
        size=96,
        iterations=200,
        progress=reports.append,
        cancel=lambda: len(reports) >= 5,
    )
    assert len(reports) == 5 and out.size == (96, 64)
    assert np.asarray(out).std() > 5


def test_noise_init_and_strength_zero(gatys):
    photo = landscape(96, 64)
    only_content = GatysOptions(iterations=5, tv_weight=0.0)
    kept = nst.stylize(photo, painting(3), engine="gatys", size=96, strength=0.0, options=only_content)
    assert np.abs(np.asarray(kept, np.int16) - np.asarray(photo, np.int16)).mean() < 1  # no style: the photo
    noisy = nst.stylize(photo, painting(3), engine="gatys", size=96, options=GatysOptions(iterations=5, init="noise"))
    assert noisy.size == (96, 64)


def test_the_bar_follows_the_work_of_each_stage_not_its_iterations(gatys):
    """Coarse to fine: 150 cheap iterations at 256 px, then 50 at 512 px cost twice as much, so
    the bar (and the time left) is not three quarters done when the cheap ones are."""
    reports = []
    nst.stylize(
        landscape(512, 384), painting(3), engine="gatys", size=512, progress=reports.append,
        options=GatysOptions(iterations=200, preview_every=50),
    )  # fmt: skip
    stages = [r.stage for r in reports]
    assert stages[0] == "256x192" and stages[-1] == "512x384"
    coarse_end = max(r.fraction for r in reports if r.stage == "256x192")
    assert reports[[r.stage for r in reports].index("256x192")].done >= 1
    assert abs(coarse_end - 150 * 256**2 / (150 * 256**2 + 50 * 512**2)) < 0.01  # 3/7 of the work, not 3/4
    assert reports[-1].fraction == 1.0
    assert all(b.fraction >= a.fraction for a, b in zip(reports, reports[1:], strict=False))


def test_coarse_to_fine_plan():
    assert stage_sides(400, True) == [400]
    assert stage_sides(512, True) == [256, 512]
    assert stage_sides(2048, True) == [256, 512, 1024, 2048]
    assert stage_sides(2048, False) == [2048]
    assert stage_iterations(300, 3) == [200, 50, 50]
    assert stage_iterations(200, 2) == [150, 50]
    assert sum(stage_iterations(7, 3)) == 7


def test_vgg19_from_a_local_weights_file(tmp_path, monkeypatch):
    """The real VGG-19 loading path, on a weights file this test writes (random, not ImageNet)."""
    import keras

    path = tmp_path / "vgg19.weights.h5"
    keras.applications.VGG19(include_top=False, weights=None).save_weights(str(path))
    monkeypatch.setenv(features.WEIGHTS_ENV, str(path))
    net = features.load_feature_net()
    assert net.name == "vgg19" and "VGG-19" in net.note
    outputs = net.model(np.random.default_rng(0).random((1, 64, 64, 3), np.float32))
    assert [o.shape[-1] for o in outputs] == [512, 64, 128, 256, 512, 512]
    monkeypatch.setenv(features.WEIGHTS_ENV, str(tmp_path / "missing.h5"))
    with pytest.raises(nst.EngineUnavailable, match="no such file"):
        features.load_feature_net()


def test_bad_settings():
    with pytest.raises(nst.OptionError, match="iterations"):
        nst.stylize(landscape(96, 64), painting(3), engine="gatys", iterations=0)
    with pytest.raises(nst.OptionError, match="iterations is not a setting of engine 'magenta'"):
        nst.stylize(landscape(96, 64), painting(3), iterations=10)
    with pytest.raises(nst.OptionError, match="engine 'gatys' takes GatysOptions, not int"):
        nst.stylize(landscape(96, 64), painting(3), engine="gatys", options=3)
    with pytest.raises(nst.OptionError, match="iterations must be from 1 to 10000"):  # options as JSON gives them
        nst.stylize(landscape(96, 64), painting(3), engine="gatys", options={"iterations": 0})


def test_cli_progress(gatys, tmp_path):
    photo, style = tmp_path / "photo.png", tmp_path / "style.png"
    landscape(120, 90).save(photo)
    painting(3).save(style)
    done = run_cli(
        photo, "-s", style, "--engine", "gatys", "--iterations", "10", "--size", "120", "-o", tmp_path / "o.png"
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "o.png").size == (120, 90)
    assert "photo.png: 10/10" in done.stderr and "MobileNetV2" in done.stderr
    bad = run_cli(photo, "-s", style, "--iterations", "10", "-o", tmp_path / "x.png")
    assert bad.returncode == 2 and "not a setting of engine 'magenta'; engine gatys has it" in bad.stderr
