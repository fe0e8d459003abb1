"""Stylize a camera stream frame by frame, as fast as the engine goes, never behind the camera.

The WebRTC front end hands each frame to :meth:`LiveStylizer.on_frame` from its worker thread
and drops the frames that arrive while one is painted (streamlit-webrtc's async processing), so
the picture shown is at most one frame old plus the painting time. The style and settings are
swapped between frames by :meth:`LiveStylizer.configure` without stopping the stream; strokes
are kept steady along the motion as in video (nst.video.temporal).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from nst import api
from nst.api.rendering import lattice
from nst.engines.contract import PreparedStyle, Settings, check_prepared
from nst.errors import OptionError
from nst.io.video import even
from nst.ops.frames import to_pixels, to_uint8
from nst.ops.strokes import carry_detail, resize, working_size
from nst.video.temporal import MotionEstimator, TemporalFilter, steady_render

MIN_SIDE, MAX_SIDE, DEFAULT_SIDE = 320, 720, 480
PAINT_SCALES = (1.0, 0.5)  # of the live size: painted at it, or at half with the camera's detail
WINDOW_SECONDS = 2.0  # the frame rate and latency shown are over this much of the recent stream


@dataclass(frozen=True)
class LiveStats:
    """The stream as the viewer sees it: painted frames per second and the median seconds from a
    frame's arrival to its painted picture, over the last few seconds; ``frames`` since start."""

    fps: float
    latency: float
    frames: int


@dataclass(frozen=True)
class _Setup:
    runner: Any
    style: PreparedStyle
    settings: Settings
    steady: bool
    paint_scale: float


def live_size(width: int, height: int, side: int) -> tuple[int, int]:
    """(width, height) to paint a ``width`` x ``height`` camera frame at: long side ``side``, never
    larger than the camera's, even sides for the video encoder."""
    if isinstance(side, bool) or not isinstance(side, int) or not MIN_SIDE <= side <= MAX_SIDE:
        raise OptionError(f"live resolution must be {MIN_SIDE} to {MAX_SIDE} px on the long side, got {side}")
    scale = min(1.0, side / max(width, height))
    return even(round(width * scale)), even(round(height * scale))


class LiveStylizer:
    """One per stream: ``configure`` it (again at any time), then feed it frames in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._setup: _Setup | None = None
        self._motion: MotionEstimator | None = None
        self._smoother: TemporalFilter | None = None
        self._times: deque[tuple[float, float]] = deque()  # (done at, seconds it took)
        self._frames = 0
        self._last: np.ndarray | None = None

    def configure(
        self, runner: Any, style: PreparedStyle, settings: Settings, *, steady: bool = True, paint_scale: float = 1.0
    ) -> None:
        """Paint the next frames with engine ``runner`` (from :func:`nst.get_engine`), ``style`` prepared
        for it, and ``settings`` (``size``: the live long side); ``steady`` follows the motion.
        ``paint_scale`` 0.5 paints at half the live size (a quarter of the work) and carries the
        camera's own fine detail to the live size (nst.ops.strokes.carry_detail)."""
        check_prepared(style, runner.name)
        live_size(2, 2, settings.size)  # a live resolution out of range fails here, not on a frame
        if paint_scale not in PAINT_SCALES:
            raise OptionError(f"paint scale must be one of {', '.join(map(str, PAINT_SCALES))}, got {paint_scale}")
        setup = _Setup(runner, style, settings, steady, float(paint_scale))
        with self._lock:
            old = self._setup
            if old is None or (old.style, old.settings, old.paint_scale) != (style, settings, paint_scale):
                self._smoother = None  # the previous style's strokes are not this one's to follow
            self._setup = setup

    def stylize(self, frame: np.ndarray) -> np.ndarray:
        """uint8 HxWx3 RGB camera frame to the painted uint8 frame at the live size; a stream not
        configured yet shows the camera as it is."""
        started = time.perf_counter()
        with self._lock:
            setup, self._last = self._setup, frame
            if setup is not None and setup.steady and self._smoother is None:
                self._motion, self._smoother = MotionEstimator(), TemporalFilter()
            motion, smoother = (self._motion, self._smoother) if setup is not None and setup.steady else (None, None)
        if setup is None:
            return frame
        height, width = frame.shape[:2]
        pixels = to_pixels(frame, live_size(width, height, setup.settings.size))
        paint = pixels
        if setup.paint_scale != 1.0:
            paint = resize(pixels, *working_size(pixels.shape[0], pixels.shape[1], 1.0 / setup.paint_scale))
        moved = motion(paint) if smoother is not None and motion is not None else None
        guide = smoother.guide(moved) if smoother is not None else None
        height, width = paint.shape[:2]
        period = lattice(setup.runner, height, width, setup.settings) if smoother is not None else 1.0
        render = functools.partial(
            api.render_array, setup.runner, style=setup.style, settings=setup.settings, guide=guide
        )
        out = steady_render(render, paint, moved, period)
        if smoother is not None:
            out = smoother.combine(out, guide, blend=not setup.runner.takes_guide)
        picture = to_uint8(out if paint is pixels else carry_detail(out, pixels))
        done = time.perf_counter()
        with self._lock:
            self._times.append((done, done - started))
            self._frames += 1
            while self._times and self._times[0][0] < done - WINDOW_SECONDS:
                self._times.popleft()
        return picture

    def on_frame(self, frame):
        """The WebRTC callback: an ``av.VideoFrame`` in, the painted ``av.VideoFrame`` out."""
        import av

        return av.VideoFrame.from_ndarray(self.stylize(frame.to_ndarray(format="rgb24")), format="rgb24")

    def stats(self) -> LiveStats:
        """Frame rate and latency now (0 when no frame was painted in the last few seconds)."""
        with self._lock:
            now = time.perf_counter()
            times = [(t, s) for t, s in self._times if t >= now - WINDOW_SECONDS]
            frames = self._frames
        if not times:
            return LiveStats(0.0, 0.0, frames)
        span = times[-1][0] - times[0][0]
        fps = (len(times) - 1) / span if len(times) > 1 and span > 0 else 1.0 / WINDOW_SECONDS
        return LiveStats(fps, float(np.median([s for _, s in times])), frames)

    def snapshot(self) -> np.ndarray | None:
        """The latest camera frame as it came (full camera resolution), for a full-size still."""
        with self._lock:
            return self._last


CAMERA_SHAPES = ((4, 3), (16, 9))  # width:height of the frames webcams and phones send


def warm_up(runner: Any, style: PreparedStyle, settings: Settings, paint_scale: float = 1.0) -> None:
    """Paint a grey frame of each common camera shape at the live size, steady (painted in a canvas
    a little larger: nst.video.temporal.steady_render) and not, so a stream's first frame is not
    the one that sets the model up for its shape (about a second each on 2 cores)."""
    for steady in (True, False):
        live = LiveStylizer()
        live.configure(runner, style, settings, steady=steady, paint_scale=paint_scale)
        for width, height in CAMERA_SHAPES:
            live.stylize(np.full((settings.size * height // width, settings.size, 3), 128, np.uint8))


ICE_ENV = "NST_ICE_SERVERS"


def ice_servers(value: str | None) -> list[dict]:
    """The STUN/TURN servers a host sets in ``NST_ICE_SERVERS`` (a JSON list such as
    ``[{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"}]``). None or
    empty: no servers, so on a closed network the browser and the server connect at once on their
    own addresses instead of waiting for public STUN servers that never answer."""
    import json

    if not value or not value.strip():
        return []
    try:
        servers = json.loads(value)
    except ValueError:
        raise OptionError(f'{ICE_ENV} is not JSON; expected a list like [{{"urls": ["stun:host:3478"]}}]') from None
    if not isinstance(servers, list) or not all(
        isinstance(s, dict)
        and isinstance(s.get("urls"), (str, list))
        and all(isinstance(u, str) and u.split(":", 1)[0] in ("stun", "stuns", "turn", "turns") for u in
                ([s["urls"]] if isinstance(s["urls"], str) else s["urls"]))
        for s in servers
    ):  # fmt: skip
        raise OptionError(f"{ICE_ENV} must be a list of servers, each with stun: or turn: urls")
    return servers
