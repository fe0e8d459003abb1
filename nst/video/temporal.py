"""Temporal consistency for stylized video: carry the previous result along the optical flow.

A feed-forward network turns tiny changes between frames (noise, compression, sub-pixel motion)
into different brush strokes, so frames stylized on their own flicker. Where the flow from this
frame to the last one is reliable, the previous result warped onto this frame is what the
stroke there should look like; we blend it with the new result (Lai et al. 2018 call the residue
the warping error). Where the flow is unreliable (occlusions, new content, motion boundaries)
the new result stands alone, so moving objects leave no trails.
"""

from __future__ import annotations

import numpy as np

from nst.engines.contract import TemporalGuide
from nst.ops.flow import FLOW_SIDE, FlowEstimator, flat, gray, photometric, reliable, warp

BLEND = 0.9  # weight of the warped past where the flow is reliable (benchmarks/RESULTS-video.md)
DETAIL_SIGMA = 1.0  # px: detail finer than this stays each frame's own


class TemporalFilter:
    """One per video: ``guide(frame)`` before rendering a frame, ``combine(result, guide)`` after."""

    def __init__(self, blend: float = BLEND, flow_side: int = FLOW_SIDE) -> None:
        import cv2

        self._cv2 = cv2
        self.blend = blend
        self.flow = FlowEstimator(flow_side)
        self.previous_frame: np.ndarray | None = None
        self.previous_gray: np.ndarray | None = None
        self.previous_result: np.ndarray | None = None

    def guide(self, frame: np.ndarray) -> TemporalGuide | None:
        """The previous result warped onto ``frame`` (float HxWx3 in [0, 1]) and its trust map;
        None for the first frame or after a cut to another size."""
        current = gray(frame)
        previous, previous_gray = self.previous_frame, self.previous_gray
        self.previous_frame, self.previous_gray = frame, current
        if previous is None or previous.shape != frame.shape or self.previous_result is None:
            self.previous_result = None
            return None
        forward = self.flow(current, previous_gray)  # this frame to the last: where each pixel was
        backward = self.flow(previous_gray, current)
        cv2 = self._cv2
        trusted = reliable(forward, backward, flat(current)) & photometric(frame, warp(previous, forward))
        # errors cluster at the edges of what moves: trust nothing within a few pixels of distrust
        trusted = cv2.erode(trusted.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        weight = cv2.GaussianBlur(trusted.astype(np.float32), (0, 0), 2.0) * trusted  # no seams at mask edges
        return TemporalGuide(warp(self.previous_result, forward, cubic=True), weight)

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
