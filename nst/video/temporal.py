"""Temporal consistency for stylized video: carry the previous result along the optical flow.

A feed-forward network turns tiny changes between frames (noise, compression, sub-pixel motion)
into different brush strokes, so frames stylized on their own flicker. Where the flow from this
frame to the last one is reliable, the previous result warped onto this frame is what the
stroke there should look like; we pull the new result toward it (Lai et al. 2018 call the residue
the warping error). Where the flow is unreliable (occlusions, new content, motion boundaries)
the new result stands alone, so moving objects leave no trails.

Most of the flicker, though, is the network's own: its strides make it paint a picture moved by 4
px exactly as moved, and one moved by 1-3 px or a fraction differently, so a camera pan repaints
every stroke. :func:`steady_render` therefore paints each frame carried into the place of a
reference frame (the camera's move, zoom and turn undone, but for whole periods of the stride),
then carries the result back; the reference is renewed once the zoom or turn since it grows.
For these networks that is enough, and the pull toward the past is off by default
(:func:`default_blend`): averaging two paintings dulls a fine-grained style.

Motion depends on the input frames only, so :class:`MotionEstimator` can run ahead of the engine
(the video pipeline runs it in the decoding thread); :class:`TemporalFilter` then needs one warp.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nst.engines.contract import TemporalGuide
from nst.ops.flow import (
    FLOW_SIDE,
    FlowEstimator,
    affine,
    camera_motion,
    flat,
    gray,
    photometric,
    reliable,
    resize_flow,
    translate,
    warp,
    working_size,
)

BLEND = 0.7  # weight of the warped past where the flow is reliable (benchmarks/RESULTS-video.md)
DETAIL_SIGMA = 1.0  # px: detail finer than this stays each frame's own
REFERENCE_CHANGE = 0.03  # zoom (fraction) or turn (radians) from the reference before a new one
INPUT_BLEND = 0.8  # weight of the past input where its difference looks like noise
NOISE_LEVEL = 0.03  # mean |difference| of RGB in [0, 1]: noise well below, an edge well above
ZOOM_SLACK = 1.0  # px at a corner: a zoom or turn this small (or the error of a pan's estimate) is carried as a move


@dataclass(frozen=True)
class Motion:
    """From one input frame to the previous one: the flow (HxWx2, frame pixels) and where to
    trust it (HxW in [0, 1]); ``camera``: 3x3 from this frame's pixels to the reference frame's
    (None: the same)."""

    flow: np.ndarray
    weight: np.ndarray
    camera: np.ndarray | None = None


class MotionEstimator:
    """Flow to the previous frame, checked forward-backward, at motion boundaries and by colour;
    one per video, fed every frame in order."""

    def __init__(self, side: int = FLOW_SIDE) -> None:
        import cv2

        self._cv2 = cv2
        self.side = side
        self.flow = FlowEstimator()
        self.check_flow = FlowEstimator(fast=True)  # the backward flow only confirms the forward one
        self.previous: tuple[np.ndarray, np.ndarray] | None = None  # (small frame, its gray)
        self.camera = np.eye(3)  # this frame's pixels to the reference frame's

    def __call__(self, frame: np.ndarray) -> Motion | None:
        """Motion from ``frame`` (float HxWx3 in [0, 1]) to the frame before it; None for the first."""
        cv2 = self._cv2
        height, width = frame.shape[:2]
        size = working_size(width, height, self.side)
        small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA) if size != (width, height) else frame
        current = gray(small)
        previous, self.previous = self.previous, (small, current)
        if previous is None or previous[0].shape != small.shape:
            self.camera = np.eye(3)
            return None
        moved = camera_motion(previous[1], current)
        if moved is not None:  # else (no corners to follow) the reference stays; any is as good
            to_frame = np.diag([width / size[0], height / size[1], 1.0])
            step = to_frame @ np.vstack([moved, [0.0, 0.0, 1.0]]) @ np.linalg.inv(to_frame)
            self.camera = renewed(self.camera @ np.linalg.inv(step), width, height)
        forward = self.flow(current, previous[1])  # this frame to the last: where each pixel was
        backward = self.check_flow(previous[1], current)
        trusted = reliable(forward, backward, flat(current)) & photometric(small, warp(previous[0], forward))
        # errors cluster at the edges of what moves: trust nothing within a few pixels of distrust
        trusted = cv2.erode(trusted.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        weight = cv2.GaussianBlur(trusted.astype(np.float32), (0, 0), 1.5) * trusted  # no seams at mask edges
        if size != (width, height):
            weight = cv2.resize(weight, (width, height), interpolation=cv2.INTER_LINEAR)
        return Motion(resize_flow(forward, (width, height)), weight, self.camera)


def renewed(camera: np.ndarray, width: int, height: int) -> np.ndarray:
    """``camera`` (3x3, frame to reference), or once its zoom or turn passes ``REFERENCE_CHANGE``, a
    new reference: the frame itself, moved as the old one at the centre (so strokes there stay)."""
    linear = camera[:2, :2]
    scale, turn = np.sqrt(abs(np.linalg.det(linear))), np.arctan2(linear[1, 0], linear[0, 0])
    if abs(scale - 1.0) <= REFERENCE_CHANGE and abs(turn) <= REFERENCE_CHANGE:
        return camera
    fresh = np.eye(3)
    fresh[:2, 2] = centre_drift(camera, width, height)
    return fresh


def centre_drift(camera: np.ndarray, width: int, height: int) -> np.ndarray:
    """How far ``camera`` (3x3, frame to reference) carries the frame's centre (dx, dy)."""
    centre = np.array([width / 2, height / 2, 1.0])
    return (camera @ centre)[:2] - centre[:2]


def steady_render(
    render: Callable[[np.ndarray], np.ndarray], pixels: np.ndarray, motion: Motion | None, period: float
) -> np.ndarray:
    """``render(pixels)`` with the scene where it was in the reference frame, up to whole periods
    of the network's ``period`` (px): carried there into a canvas large enough for the zoom and
    turn allowed, painted, and carried back. ``period`` 1 or less: no lattice, painted as is."""
    if period <= 1.0:
        return render(pixels)
    height, width = pixels.shape[:2]
    camera = np.eye(3) if motion is None or motion.camera is None else motion.camera
    drift = centre_drift(camera, width, height)
    reach = zoom_reach(camera, width, height)
    moved_only = reach <= ZOOM_SLACK  # carried by its move alone, without a resample's blur
    turned = 0.0 if moved_only else reach  # room for zoom and turn
    # the least room around the frame, in whole periods: the scene keeps its phase on the canvas
    margin = period * math.ceil((period / 2 + turned + 1) / period)
    place = camera.copy()
    place[:2, 2] += margin - period * np.round(drift / period)  # whole periods need no undoing
    canvas = (width + 2 * math.ceil(margin), height + 2 * math.ceil(margin))
    if moved_only:
        offset = centre_drift(place, width, height)
        painted = render(translate(pixels, offset, canvas))
        return translate(painted, -offset, (width, height))
    painted = render(affine(pixels, place, canvas))
    return affine(painted, place, (width, height), inverse=True)


def zoom_reach(camera: np.ndarray, width: int, height: int) -> float:
    """How far (px) ``camera``'s zoom and turn (3x3) carry a corner of the frame, its move aside."""
    return float((np.abs(camera[:2, :2] - np.eye(2)) @ np.array([width / 2, height / 2])).max())


def default_blend(period: float) -> float:
    """The pull toward the warped past when none is asked for: none for a network painted on the
    steady canvas (``period`` above 1), which keeps most strokes in place by itself, while averaging
    two paintings changes a fine-grained style's look; ``BLEND`` for the others."""
    return 0.0 if period > 1.0 else BLEND


class SteadyInput:
    """What the network sees, with the sensor's noise averaged along the motion: on a flat sky the
    noise is all the texture there is, and the network paints every new grain anew. Only where
    the motion is trusted and the frames differ as noise does (not by an edge), so nothing that
    moves is dragged along."""

    def __init__(self, strength: float = INPUT_BLEND) -> None:
        self.strength = strength
        self.previous: np.ndarray | None = None

    def __call__(self, frame: np.ndarray, motion: Motion | None) -> np.ndarray:
        """``frame`` (float HxWx3) with its noise averaged along ``motion`` (from :class:`MotionEstimator`)."""
        if motion is not None and self.previous is not None and self.previous.shape == frame.shape:
            difference = warp(self.previous, motion.flow, cubic=True) - frame
            size = np.abs(difference).mean(axis=-1)
            like_noise = np.exp(-((size / NOISE_LEVEL) ** 2))
            frame = frame + (self.strength * motion.weight * like_noise)[..., None] * difference
        self.previous = frame.astype(np.float32, copy=False)
        return frame


class TemporalFilter:
    """One per video: ``guide(motion)`` before rendering a frame, ``combine(result, guide)`` after."""

    def __init__(self, blend: float = BLEND) -> None:
        import cv2

        self._cv2 = cv2
        self.blend = blend
        self.previous_result: np.ndarray | None = None

    def guide(self, motion: Motion | None) -> TemporalGuide | None:
        """The previous result warped onto this frame and its trust map (None: the first frame,
        or a cut to another size)."""
        if motion is None or self.previous_result is None or self.previous_result.shape[:2] != motion.weight.shape:
            return None
        return TemporalGuide(warp(self.previous_result, motion.flow, cubic=True), motion.weight)

    def combine(self, result: np.ndarray, guide: TemporalGuide | None, *, blend: bool = True) -> np.ndarray:
        """``result`` pulled toward the warped past where it is trusted (``blend=False``: an engine
        that used the guide itself), remembered for the next frame.

        Only the difference above the finest scale is blended: averaging two paintings' finest
        strokes dulls them and changes the style's statistics (style loss 1.4-1.7x per-frame's on a
        moving object), while the stroke shapes, shading and colour that flicker stay put."""
        if guide is not None and blend:
            difference = guide.image - result
            coarse = self._cv2.GaussianBlur(difference, (0, 0), DETAIL_SIGMA)
            result = result + (self.blend * guide.weight)[..., None] * coarse
        self.previous_result = result.astype(np.float32, copy=False)
        return result
