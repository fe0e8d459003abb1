"""Video clips made from a photo with known camera motion, encoded with PyAV: for the video tests
and the video benchmark. No video files are shipped; every clip is made here.

A clip's frame t is the photo seen through an affine camera ``A_t`` (output pixel -> photo pixel),
so the true flow from frame t to frame t-1 is known exactly: ``A_{t-1}^-1 A_t x - x``. A moving
object (a disc cut from a second picture) adds motion of its own, and occlusions we also know.
"""

from __future__ import annotations

import fractions
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Motion:
    """Per frame: pan (dx, dy) in photo pixels, zoom factor, and an object moving by (ox, oy)."""

    pan: tuple[float, float] = (0.0, 0.0)
    zoom: float = 1.0
    object_step: tuple[float, float] | None = None


PAN = Motion(pan=(2.6, 0.7))  # not a multiple of 4 px: no alignment with the networks' strides
ZOOM = Motion(zoom=1.004)
OBJECT = Motion(pan=(0.9, 0.0), object_step=(5.3, 1.1))


def _camera(t: int, motion: Motion, size: tuple[int, int], photo_size: tuple[int, int]) -> np.ndarray:
    """3x3 matrix from output pixel to photo pixel at frame t (centred zoom, then pan)."""
    w, h = size
    pw, ph = photo_size
    scale = min(pw / w, ph / h) * 0.8 / motion.zoom**t  # 20 % margin for the motion
    cx, cy = pw / 2 + motion.pan[0] * t - (motion.pan[0] * 30), ph / 2 + motion.pan[1] * t - (motion.pan[1] * 30)
    return np.array([[scale, 0, cx - scale * w / 2], [0, scale, cy - scale * h / 2], [0, 0, 1]], np.float64)


def _grid(size: tuple[int, int]) -> np.ndarray:
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    return np.stack([xs, ys, np.ones_like(xs)], -1)


def camera_clip(
    photo: Image.Image,
    motion: Motion,
    frames: int,
    size: tuple[int, int] = (320, 180),
    *,
    noise: float = 3.0,
    sprite: Image.Image | None = None,
    seed: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """(frame uint8 RGB, true flow frame t -> t-1 or None, mask of pixels visible in both or None)."""
    import cv2

    rng = np.random.default_rng(seed)
    source = np.asarray(photo.convert("RGB"), np.float32)
    w, h = size
    grid = _grid(size)
    radius = min(w, h) * 0.18
    disc = None
    if motion.object_step is not None:
        disc = np.asarray((sprite or photo).convert("RGB").resize((int(2 * radius) + 2,) * 2), np.float32)

    def object_centre(t: int) -> np.ndarray:
        return np.array([w * 0.2 + motion.object_step[0] * t, h * 0.45 + motion.object_step[1] * t])

    previous_camera = previous_inside = None
    for t in range(frames):
        camera = _camera(t, motion, size, photo.size)
        frame = cv2.warpAffine(source, camera[:2], size, flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)  # fmt: skip
        inside = None
        if disc is not None:
            centre = object_centre(t)
            distance = np.hypot(grid[..., 0] - centre[0], grid[..., 1] - centre[1])
            inside = distance <= radius
            shift = np.float32([[1, 0, centre[0] - radius], [0, 1, centre[1] - radius]])
            painted = cv2.warpAffine(disc, shift, size, flags=cv2.INTER_LINEAR)
            frame = np.where(inside[..., None], painted, frame)
        frame = frame + rng.normal(0.0, noise, frame.shape)
        flow = mask = None
        if previous_camera is not None:
            mapping = np.linalg.inv(previous_camera) @ camera
            points = grid @ mapping.T
            flow = (points[..., :2] - grid[..., :2]).astype(np.float32)
            mask = np.ones((h, w), bool)
            if disc is not None:
                step = np.asarray(motion.object_step, np.float32)
                flow[inside] = -step  # the object was one step back
                back = grid[..., :2] + flow
                ix = np.clip(np.round(back[..., 0]).astype(int), 0, w - 1)
                iy = np.clip(np.round(back[..., 1]).astype(int), 0, h - 1)
                mask = inside == previous_inside[iy, ix]  # same layer in both frames: no occlusion
                ring = np.abs(np.hypot(grid[..., 0] - centre[0], grid[..., 1] - centre[1]) - radius) < 2.0
                mask &= ~ring  # the disc's anti-aliased edge belongs to neither layer
            back = grid[..., :2] + flow
            mask &= (back[..., 0] >= 0) & (back[..., 0] <= w - 1) & (back[..., 1] >= 0) & (back[..., 1] <= h - 1)
        previous_camera, previous_inside = camera, inside
        yield np.clip(frame + 0.5, 0, 255).astype(np.uint8), flow, mask


def write_clip(
    path: str | Path,
    frames,
    *,
    fps: fractions.Fraction | int = 24,
    codec: str = "libx264",
    audio: str | None = "aac",
    rotation: int = 0,
    container_format: str | None = None,
    bit_rate: int | None = None,
) -> Path:
    """Encode uint8 RGB frames (an iterable) into ``path``, with a 440 Hz tone as audio (``audio``
    codec, or None) and a display rotation (degrees counter-clockwise)."""
    import av

    path = Path(path)
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    rate = fractions.Fraction(fps)
    with av.open(str(path), "w", format=container_format) as out:
        pix_fmt = "rgb8" if codec == "gif" else "yuv420p"
        video = out.add_stream(codec, rate=rate)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if bit_rate:
            video.bit_rate = bit_rate
        if rotation:
            video.set_display_rotation(rotation)
        hz = 48000 if audio == "libopus" else 44100  # Opus takes 48 kHz only
        sound = out.add_stream(audio, rate=hz, layout="mono") if audio else None
        count = 0
        for pixels in itertools.chain([first], frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
            frame.pts = count
            frame.time_base = 1 / rate
            count += 1
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            seconds = count / rate
            samples = int(hz * seconds)
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(samples) / hz)).astype(np.float32)
            fmt = "s16p" if audio.startswith("pcm") else "fltp"
            data = (tone * 32767).astype(np.int16)[None] if fmt == "s16p" else tone[None]
            chunk = 4096
            for start in range(0, samples, chunk):
                piece = av.AudioFrame.from_ndarray(np.ascontiguousarray(data[:, start : start + chunk]), format=fmt,
                                                   layout="mono")  # fmt: skip
                piece.sample_rate, piece.pts = hz, start
                piece.time_base = fractions.Fraction(1, hz)
                out.mux(sound.encode(piece))
            out.mux(sound.encode(None))
    return path


def solid_frames(count: int, size: tuple[int, int] = (64, 48)) -> Iterator[np.ndarray]:
    """Frames with a white stripe on the left and a frame number in the red channel (orientation
    and order are visible in them)."""
    w, h = size
    for i in range(count):
        frame = np.zeros((h, w, 3), np.uint8)
        frame[:, : w // 6] = 255
        frame[..., 0] = np.maximum(frame[..., 0], i * 20 % 256)
        yield frame
