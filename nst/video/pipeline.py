"""Stylize a video: prepare the style once, render every frame, keep the frames consistent.

Frames stream from the decoder through the engine to the encoder one at a time (decoding and
encoding run in threads beside the engine, with short bounded queues), so memory stays flat
however long the clip. The output appears only when it is complete: a cancelled or failed run
leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from nst import api
from nst.api.rendering import lattice, style_list
from nst.engines import describe, get_engine
from nst.engines.builtin import BuiltinSpec
from nst.engines.contract import PreparedStyle, Settings
from nst.errors import OptionError
from nst.io.files import check_writable
from nst.io.video import VideoReader, VideoSource, VideoWriter, even
from nst.ops.frames import to_pixels, to_uint8
from nst.request.model import Request, engine_choices
from nst.runtime.progress import CancelToken, Progress, ProgressCallback, as_cancel_token, check_cancel
from nst.runtime.slots import inference_slots
from nst.video.temporal import MotionEstimator, SteadyInput, TemporalFilter, default_blend, steady_render

DEFAULT_MAX_SIDE = 1920  # the output's long side when none is asked for: the input's, at most this
OUTPUT_SUFFIXES = (".mp4", ".m4v")
PREVIEW_SECONDS = 0.5  # a preview frame in the progress reports at most this often


@dataclass(frozen=True)
class VideoResult:
    path: Path
    frames: int
    fps: Fraction
    width: int
    height: int
    audio: bool
    seconds: float


def output_size(width: int, height: int, size: int | None, upscale: bool) -> tuple[int, int]:
    """Output frame size: long side ``size`` (None: the input's, at most 1920), even sides."""
    long_side = max(width, height)
    target = min(long_side, DEFAULT_MAX_SIDE) if size is None else size
    if target > long_side and not upscale:
        target = long_side
    scale = target / long_side
    return even(round(width * scale)), even(round(height * scale))


def check_output(path: str | os.PathLike) -> Path:
    target = Path(path)
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise OptionError(f"{target.name}: the output is an MP4 video; name it .mp4")
    if target.is_dir():
        raise OptionError(f"{target} is a folder; give a file name ending in .mp4")
    if not target.parent.exists():
        raise OptionError(f"output folder {target.parent} does not exist")
    check_writable(target.parent)  # before the first frame is painted
    return target


class _Background:
    """An iterator run in a thread, a few items ahead (decoding overlaps the engine's work)."""

    def __init__(self, items: Iterator, depth: int = 3) -> None:
        self.queue: queue.Queue = queue.Queue(depth)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(items,), daemon=True)
        self.thread.start()

    def _run(self, items: Iterator) -> None:
        try:
            for item in items:
                while not self.stop.is_set():
                    try:
                        self.queue.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self.stop.is_set():
                    return
            self.queue.put((False, None))
        except BaseException as exc:  # handed to the consumer, raised there
            self.queue.put((False, exc))

    def __iter__(self) -> Iterator:
        while True:
            more, item = self.queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item

    def close(self) -> None:
        self.stop.set()
        while self.thread.is_alive():
            try:
                self.queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self.thread.join()


class _Encoder:
    """Frames handed to the writer in a thread, so x264 works while the engine paints the next."""

    def __init__(self, writer: VideoWriter) -> None:
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(3)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            frame = self.queue.get()
            if frame is None:
                return
            if self.error is None:
                try:
                    self.writer.write(frame)
                except BaseException as exc:
                    self.error = exc

    def write(self, frame: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)

    def join(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _prepared_frames(frames: Iterator[np.ndarray], size: tuple[int, int], temporal: bool) -> Iterator[tuple]:
    """(frame at output size as float, its motion to the previous frame or None), computed ahead
    of the engine: motion needs only the input frames."""
    motion, steady = (MotionEstimator(), SteadyInput()) if temporal else (None, None)
    for raw in frames:
        pixels = to_pixels(raw, size)
        if motion is None or steady is None:
            yield pixels, None
        else:
            moved = motion(pixels)
            yield steady(pixels, moved), moved


def stylize_video(
    source: VideoSource,
    output: str | os.PathLike,
    style: PreparedStyle | api.StyleInput = None,
    *,
    engine: str | None = None,
    preset: BuiltinSpec | None = None,
    style_weights: Sequence[float] | None = None,
    strength: float = 1.0,
    size: int | None = None,
    upscale: bool = False,
    preserve_color: bool = False,
    stroke_scale: float = 1.0,
    temporal: bool = True,
    smoothing: float | None = None,
    options: Any = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | Callable[[], bool] | None = None,
    on_queue: Callable[[int], None] | None = None,
    name: str | None = None,
    **engine_values: Any,
) -> VideoResult:
    """Stylize the video ``source`` (a path, bytes or a file object) into the MP4 ``output``.

    ``style`` is a :class:`PreparedStyle` or what :func:`nst.prepare_style` takes (style images,
    or ``preset=``). ``size``: long side of the output (default: the input's, at most 1920);
    ``stroke_scale``: the brush size, as for stills.
    ``temporal=False`` renders each frame on its own (flickers; for comparison); ``smoothing`` in
    [0, 1) is how much of the warped previous frame is kept where the flow is reliable (None: 0
    for the networks painted on a steady canvas, 0.7 for the others). ``progress``
    gets a :class:`Progress` per frame (unit ``frame``, a preview of the latest frame now and
    then); ``cancel`` stops between frames and raises :class:`nst.Cancelled` with no output left.
    Bad videos raise :class:`nst.VideoError`.
    """
    started = time.perf_counter()
    target = check_output(output)
    if isinstance(source, (str, os.PathLike)) and Path(source).exists() and Path(source).resolve() == target.resolve():
        raise OptionError(f"{target.name}: the output would overwrite the input video")
    if smoothing is not None and (
        isinstance(smoothing, bool) or not isinstance(smoothing, (int, float)) or not 0.0 <= smoothing < 1.0
    ):
        raise OptionError(f"smoothing must be from 0 to below 1, got {smoothing}")
    token = as_cancel_token(cancel)
    with VideoReader(source, name=name) as reader:  # a bad video fails here, before any model loads
        info = reader.info
        width, height = output_size(info.width, info.height, size, upscale)
        settings = Settings(strength, max(width, height), preserve_color, True, stroke_scale=stroke_scale)
        if isinstance(style, PreparedStyle):
            if preset is not None or style_weights is not None:
                raise OptionError("a prepared style already holds its styles and weights")
            engine_name = style.engine
            options, config = engine_choices(describe(engine_name), options, engine_values)
            prepared = style
        else:
            request = Request(
                styles=style_list(style), preset=preset, weights=style_weights, engine=engine,
                options=options, engine_values=engine_values,
            )  # fmt: skip
            engine_name, options, config = request.engine_name, request.options, request.config
            prepared = api.prepare(request, on_queue=on_queue, cancel=token)[0]
        settings = dataclasses.replace(settings, options=options)
        runner = get_engine(engine_name, **config)
        period = lattice(runner, height, width, settings) if temporal else 1.0
        blend = default_blend(period) if smoothing is None else float(smoothing)
        smoother = TemporalFilter(blend) if temporal and (blend > 0.0 or runner.takes_guide) else None
        writer = VideoWriter(target, width, height, info.fps, audio=reader.open_audio())
        frames = _Background(_prepared_frames(reader.frames(), (width, height), temporal))
        try:
            encoder = _Encoder(writer)
            try:
                done, last_preview, first = 0, 0.0, time.perf_counter()  # rates from the first frame on
                for pixels, motion in frames:
                    check_cancel(token)
                    guide = smoother.guide(motion) if smoother is not None else None
                    paint = functools.partial(
                        api.render_array, runner, style=prepared, settings=settings, cancel=token, guide=guide
                    )
                    with inference_slots().hold(on_queue):
                        result = steady_render(paint, pixels, motion, period)
                    if smoother is not None:
                        result = smoother.combine(result, guide, blend=not runner.takes_guide)
                    encoder.write(to_uint8(result))
                    done += 1
                    if progress is not None:
                        now = time.perf_counter()
                        preview = result if now - last_preview >= PREVIEW_SECONDS else None
                        last_preview = now if preview is not None else last_preview
                        total, stage = max(info.frames, done), f"{width}x{height}"
                        progress(Progress(done, total, "frame", now - first, stage=stage, preview=preview))
            finally:
                encoder.join()
            path = writer.finish()
        except BaseException:
            frames.close()
            writer.abort()
            raise
        frames.close()
    return VideoResult(path, done, info.fps, width, height, info.audio is not None, time.perf_counter() - started)
