"""Temporal consistency for stylized video: carry the previous result along the optical flow.

A feed-forward network turns tiny changes between frames (noise, compression, sub-pixel motion)
into different brush strokes, so frames stylized on their own flicker. Where the flow from this
frame to the last one is reliable, the previous result warped onto this frame is what the
stroke there should look like; we pull the new result toward it (Lai et al. 2018 call the residue
the warping error). Where the flow is unreliable (occlusions, new content, motion boundaries)
the new result stands alone, so moving objects leave no trails.

Motion depends on the input frames only, so :class:`MotionEstimator` can run ahead of the engine
(the video pipeline runs it in the decoding thread); :class:`TemporalFilter` then needs one warp.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nst.engines.contract import TemporalGuide
from nst.ops.flow import FLOW_SIDE, FlowEstimator, flat, gray, photometric, reliable, resize_flow, warp, working_size

BLEND = 0.9  # weight of the warped past where the flow is reliable (benchmarks/RESULTS-video.md)
DETAIL_SIGMA = 1.0  # px: detail finer than this stays each frame's own


@dataclass(frozen=True)
class Motion:
    """From one input frame to the previous one: the flow (HxWx2, frame pixels) and where to
    trust it (HxW in [0, 1])."""

    flow: np.ndarray
    weight: np.ndarray


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

    def __call__(self, frame: np.ndarray) -> Motion | None:
        """Motion from ``frame`` (float HxWx3 in [0, 1]) to the frame before it; None for the first."""
        cv2 = self._cv2
        height, width = frame.shape[:2]
        size = working_size(width, height, self.side)
        small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA) if size != (width, height) else frame
        current = gray(small)
        previous, self.previous = self.previous, (small, current)
        if previous is None or previous[0].shape != small.shape:
            return None
        forward = self.flow(current, previous[1])  # this frame to the last: where each pixel was
        backward = self.check_flow(previous[1], current)
        trusted = reliable(forward, backward, flat(current)) & photometric(small, warp(previous[0], forward))
        # errors cluster at the edges of what moves: trust nothing within a few pixels of distrust
        trusted = cv2.erode(trusted.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        weight = cv2.GaussianBlur(trusted.astype(np.float32), (0, 0), 1.5) * trusted  # no seams at mask edges
        if size != (width, height):
            weight = cv2.resize(weight, (width, height), interpolation=cv2.INTER_LINEAR)
        return Motion(resize_flow(forward, (width, height)), weight)


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
