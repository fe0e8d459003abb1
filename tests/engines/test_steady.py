"""Video frames painted at one phase of the network's stride, and the noise the network sees
averaged along the motion: real engines, real clips (tests/helpers/clips.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nst
from nst import api
from nst.ops.flow import affine, camera_motion, gray
from nst.video.temporal import Motion, MotionEstimator, SteadyInput, steady_render
from tests.helpers.clips import Motion as CameraMotion
from tests.helpers.clips import camera_clip
from tests.helpers.pictures import landscape, painting

ENGINES = [("magenta", {"style": painting(1)}), ("adain", {"style": painting(1)}), ("preset", {"preset": 19})]


def photo(width: int = 200, height: int = 136) -> np.ndarray:
    return np.asarray(landscape(width, height), np.float32) / 255.0


@pytest.mark.parametrize(("engine", "style"), ENGINES, ids=[e for e, _ in ENGINES])
def test_a_picture_moved_by_the_stride_is_painted_as_moved(engine, style):
    runner = nst.get_engine(engine)
    prepared = nst.prepare_style(engine=engine, **style)
    settings = nst.Settings(size=320)
    big = photo(348, 200)

    def painted(dx: int) -> np.ndarray:
        return api.render_array(runner, np.ascontiguousarray(big[:, dx : dx + 320]), prepared, settings)

    still = painted(0)

    def moved_by(dx: int) -> float:  # the painting of the moved picture against the first, moved back
        return float(np.abs(painted(dx)[24:-24, 24 : 296 - dx] - still[24:-24, 24 + dx : 296]).mean())

    assert runner.stride == 4
    one = moved_by(1)
    assert moved_by(4) < one / 5 and moved_by(8) < one / 5  # what is left: the edges' reach
    assert moved_by(2) > one / 2 and moved_by(3) > one / 2


def moving(dx: float, dy: float = 0.0) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def test_steady_render_paints_a_sub_pixel_move_as_moved():
    runner = nst.get_engine("magenta")
    prepared = nst.prepare_style(engine="magenta", style=painting(1))
    settings = nst.Settings(size=192)
    first = photo(192, 128)
    dx = 1.6  # the scene moved right by 1.6 px: not a multiple of the stride
    second = affine(first, moving(dx), (192, 128))

    def render(picture: np.ndarray) -> np.ndarray:
        return api.render_array(runner, picture, prepared, settings)

    period = api.rendering.lattice(runner, 128, 192, settings)
    still = steady_render(render, first, None, period)
    flow, weight = np.zeros((128, 192, 2), np.float32), np.ones((128, 192), np.float32)
    steady = steady_render(render, second, Motion(flow, weight, moving(-dx)), period)  # back to the first's place
    plain = render(second)
    expected = affine(still, moving(dx), (192, 128))
    inner = (slice(16, -16), slice(16, -16))
    steady_error = np.abs(steady - expected)[inner].mean()
    assert steady_error < 0.4 * np.abs(plain - expected)[inner].mean()
    assert steady.shape == second.shape and period == 4


def test_steady_render_keeps_the_finest_strokes_of_a_half_pixel_pan():
    runner = nst.get_engine("preset")
    prepared = nst.prepare_style(engine="preset", preset=19)
    settings = nst.Settings(size=192)
    frame = affine(photo(192, 128), moving(2.5, 0.5), (192, 128))  # the scene panned 2.5 px right, 0.5 down

    def render(picture: np.ndarray) -> np.ndarray:
        return api.render_array(runner, picture, prepared, settings)

    period = api.rendering.lattice(runner, 128, 192, settings)
    still = Motion(np.zeros((128, 192, 2), np.float32), np.ones((128, 192), np.float32), moving(-2.5, -0.5))
    steady, plain = steady_render(render, frame, still, period), render(frame)
    inner = (slice(16, -16), slice(16, -16))

    def finest(image: np.ndarray) -> float:
        return float(np.square(np.diff(image[inner], axis=1)).mean() + np.square(np.diff(image[inner], axis=0)).mean())

    assert finest(steady) > 0.93 * finest(plain), finest(steady) / finest(plain)


def test_camera_motion_follows_the_camera_not_a_moving_object():
    frames = list(camera_clip(landscape(480, 360), CameraMotion(pan=(2.6, -0.7), object_step=(6.0, 2.0)), 3,
                              (320, 180), noise=2.5))  # fmt: skip
    flow = frames[2][1]  # frame 2 to frame 1; the background's (the corner's) is the camera's
    moved = camera_motion(gray(frames[1][0]), gray(frames[2][0]))
    assert moved is not None
    assert np.allclose(moved[:, 2], -flow[5, 5], atol=0.15), (moved, flow[5, 5])
    zoom = list(camera_clip(landscape(480, 360), CameraMotion(zoom=1.01), 2, (320, 180), noise=2.5))
    scale = np.sqrt(np.linalg.det(camera_motion(gray(zoom[0][0]), gray(zoom[1][0]))[:, :2]))
    assert abs(scale - 1.01) < 0.002, scale
    flat = np.full((180, 320), 128, np.uint8)
    assert camera_motion(flat, flat) is None  # nothing to follow


def test_motion_camera_adds_up_the_moves_and_renews_its_reference():
    clip = list(camera_clip(landscape(480, 360), CameraMotion(pan=(1.3, 0.4)), 12, (256, 144), noise=2.5))
    estimator = MotionEstimator()
    motions = [estimator(frame.astype(np.float32) / 255.0) for frame, _, _ in clip]
    assert motions[0] is None
    truth = sum(flow[72, 128] for _, flow, _ in clip[1:])  # where the centre's scene was in frame 0
    centre = np.array([128.0, 72.0, 1.0])
    drift = (motions[-1].camera @ centre)[:2] - centre[:2]
    assert np.allclose(drift, truth, atol=1.0), (drift, truth)  # 0.1 px a frame
    zoom = list(camera_clip(landscape(480, 360), CameraMotion(zoom=1.01), 8, (256, 144), noise=2.5))
    estimator = MotionEstimator()
    scales = [np.sqrt(np.linalg.det(m.camera[:2, :2])) for m in map(estimator, (f / 255.0 for f, _, _ in zoom)) if m]
    assert 0.965 < min(scales) and max(scales) < 1.002  # renewed before the zoom passed 3 %
    assert any(later > earlier + 0.02 for earlier, later in itertools.pairwise(scales))  # and it was renewed


def test_steady_input_averages_noise_where_trusted_and_keeps_what_changed():
    rng = np.random.default_rng(1)
    scene = photo(96, 64)
    still = Motion(np.zeros((64, 96, 2), np.float32), np.ones((64, 96), np.float32))
    steady = SteadyInput()
    frames = [np.clip(scene + rng.normal(0, 0.01, scene.shape), 0, 1).astype(np.float32) for _ in range(12)]
    outputs = [steady(frame, None if i == 0 else still) for i, frame in enumerate(frames)]
    assert np.std(outputs[-1] - scene) < 0.6 * np.std(frames[-1] - scene)
    changed = frames[-1].copy()
    changed[:, :48] = 1.0 - changed[:, :48]  # half the picture changed for real: not noise
    out = steady(changed, still)
    assert np.abs(out[:, :40] - changed[:, :40]).max() < 0.02
    untrusted = Motion(still.flow, np.zeros_like(still.weight))
    assert np.array_equal(SteadyInput()(frames[0], None), frames[0])
    fresh = SteadyInput()
    fresh(frames[0], None)
    assert np.array_equal(fresh(frames[1], untrusted), frames[1])
