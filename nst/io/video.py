"""Video input and output through PyAV (FFmpeg's libraries in a wheel; no ffmpeg program).

Reading: MP4/MOV, WebM/Matroska, AVI and animated GIF, recognised by their first bytes and
opened with that demuxer only (FFmpeg's probing would also accept playlists that open other
files and URLs). Frames stream one at a time, upright (rotation metadata applied), as uint8
RGB; a clip is never held in memory. Writing: H.264 in MP4 (yuv420p, fast start), the input's
frame rate, its audio copied (AAC) or re-encoded to AAC, into a temporary file that is renamed
over the target only when the whole video is written.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nst.errors import VideoError
from nst.io.files import part_path, read_source

VideoSource = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO

MAX_SIDE = 8192
MAX_FRAME_PIXELS = 7680 * 4320  # 8K UHD: what a camera records; a larger canvas is refused before decoding
MIN_LONG_SIDE = 64  # the smallest picture an engine renders
MAX_FPS = 240
COPY_AUDIO = ("aac",)  # MP4 and every browser take these as they are; anything else becomes AAC


def _demuxer(head: bytes) -> str | None:
    """FFmpeg demuxer name for a file starting with ``head``, or None if it is not a video we read."""
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"  # MP4, MOV, M4V, 3GP
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"  # WebM, MKV
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


@dataclass(frozen=True)
class VideoInfo:
    """What a clip is, as displayed: ``width`` x ``height`` after rotation, ``fps``, ``frames``
    (from the header, or estimated from the duration), ``duration`` in seconds, ``rotation``
    (degrees counter-clockwise applied to the stored frames), ``audio`` codec name or None."""

    width: int
    height: int
    fps: Fraction
    frames: int
    duration: float
    rotation: int
    audio: str | None
    codec: str


def max_seconds() -> float:
    """Longest accepted clip: ``NST_MAX_VIDEO_SECONDS`` or four hours."""
    from nst.config import config

    return config().max_video_seconds


class VideoReader:
    """An open clip: ``info``, then ``frames()`` once. Use as a context manager."""

    def __init__(self, source: VideoSource, *, name: str | None = None) -> None:
        import av

        self.data, self.label = read_source(source, name, kind="video", error=VideoError, keep_path=True)
        head = self._head()
        fmt = _demuxer(head)
        if fmt is None:
            raise VideoError(f"{self.label}: not a video, or a format we cannot read (use MP4, MOV, WebM, AVI or GIF)")
        self.fmt = fmt
        try:
            self.container = self._open()
        except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError):
            raise VideoError(f"{self.label}: corrupt or truncated video (cannot read its header)") from None
        try:
            self.info = self._probe()
        except BaseException:
            self.container.close()
            raise
        self.stream.thread_type = "AUTO"

    def _head(self) -> bytes:
        if isinstance(self.data, bytes):
            return self.data[:16]
        try:
            with open(self.data, "rb") as handle:
                return handle.read(16)
        except OSError as exc:
            raise VideoError(f"{self.label}: cannot read file ({exc.strerror or exc})") from None

    def _open(self):
        import av

        source = io.BytesIO(self.data) if isinstance(self.data, bytes) else self.data
        return av.open(source, format=self.fmt, metadata_errors="ignore")

    def _probe(self) -> VideoInfo:
        if not self.container.streams.video:
            raise VideoError(f"{self.label}: has no video stream")
        stream = self.stream = self.container.streams.video[0]
        context = stream.codec_context
        codec = context.name if context is not None else None
        if not codec:
            raise VideoError(f"{self.label}: its video codec cannot be decoded here")
        width, height = context.width, context.height
        if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE) or max(width, height) < MIN_LONG_SIDE:
            raise VideoError(
                f"{self.label}: {width}x{height} frames; each side must be 16 to {MAX_SIDE} px, "
                f"the long one at least {MIN_LONG_SIDE}"
            )
        if width * height > MAX_FRAME_PIXELS:
            raise VideoError(
                f"{self.label}: {width}x{height} frames ({width * height / 1e6:.0f} megapixels); "
                f"the limit is {MAX_FRAME_PIXELS / 1e6:.0f} megapixels (8K)"
            )
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not rate or not 0 < rate <= MAX_FPS:
            raise VideoError(f"{self.label}: frame rate {rate} is not a usable rate (up to {MAX_FPS} per second)")
        fps = Fraction(rate).limit_denominator(1001)
        duration = self._duration(stream)
        if duration > max_seconds():
            limit = max_seconds() / 60
            raise VideoError(f"{self.label}: {duration / 60:.0f} minutes long; the limit is {limit:.0f} minutes")
        frames = int(stream.frames) or max(1, round(duration * fps))
        rotation = self._rotation()
        if rotation % 180:
            width, height = height, width
        audio = self.container.streams.audio[0].codec_context.name if self.container.streams.audio else None
        return VideoInfo(width, height, fps, frames, duration, rotation, audio, codec)

    def _duration(self, stream) -> float:
        if stream.duration is not None and stream.time_base:
            return float(stream.duration * stream.time_base)
        if self.container.duration is not None:
            return self.container.duration / 1_000_000
        return 0.0

    def _rotation(self) -> int:
        """The display rotation, read from the first frame's display matrix (then rewind)."""
        import av

        try:
            first = next(iter(self.container.decode(self.stream)), None)
        except (av.FFmpegError, OSError, ValueError):
            raise VideoError(f"{self.label}: corrupt or truncated video (its first frame cannot be decoded)") from None
        if first is None:
            raise VideoError(f"{self.label}: has no frames")
        rotation = int(round((first.rotation or 0) / 90.0)) * 90 % 360
        self._reopen()
        return rotation

    def _reopen(self) -> None:
        """A fresh demuxer at the start (seeking a GIF or a damaged file is not reliable)."""
        self.container.close()
        self.container = self._open()
        self.stream = self.container.streams.video[0]

    def frames(self) -> Iterator[np.ndarray]:
        """Upright uint8 RGB frames, one at a time; a clip that breaks off raises VideoError."""
        import av

        turns = self.info.rotation // 90
        count = 0
        try:
            for frame in self.container.decode(self.stream):
                pixels = frame.to_ndarray(format="rgb24")
                count += 1
                yield np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels
        except (av.FFmpegError, OSError, ValueError):
            raise VideoError(f"{self.label}: corrupt or truncated video (breaks off after frame {count})") from None
        if count == 0:
            raise VideoError(f"{self.label}: has no frames")
        expected = int(self.stream.frames)
        if expected and count < expected * 0.98 - 1:
            raise VideoError(f"{self.label}: truncated video ({count} of {expected} frames decode)")

    def open_audio(self):
        """A second, independent demuxer over the same file, for its audio (None: it has none)."""
        return None if self.info.audio is None else self._open()

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def even(n: int) -> int:
    """H.264 in yuv420p needs even sides."""
    return max(2, n - n % 2)


class VideoWriter:
    """H.264 MP4 into a temporary file beside ``path``; ``finish()`` renames it over ``path``,
    ``abort()`` (or an exception inside ``with``) deletes it. Audio from ``audio`` (an open
    container from :meth:`VideoReader.open_audio`) is interleaved as video is written."""

    def __init__(
        self, path: str | os.PathLike, width: int, height: int, fps: Fraction, *, audio=None, crf: int = 18
    ) -> None:
        import av

        self.path = Path(path)
        self.tmp = part_path(self.path)
        self.width, self.height = even(width), even(height)
        self.container = av.open(str(self.tmp), "w", format="mp4", options={"movflags": "+faststart"})
        self.video = self.container.add_stream("libx264", rate=fps, options={"crf": str(crf), "preset": "veryfast"})
        self.video.width, self.video.height, self.video.pix_fmt = self.width, self.height, "yuv420p"
        self.video.thread_type = "AUTO"
        self.frame_time = 1 / fps
        self.count = 0
        self._audio_in = audio
        self._audio = self._audio_stream(audio) if audio is not None else None

    def _audio_stream(self, source):
        import av

        stream = source.streams.audio[0]
        self._copy = stream.codec_context.name in COPY_AUDIO
        self._packets = source.demux(stream)
        if self._copy:
            return self.container.add_stream_from_template(stream)
        rate = min(stream.codec_context.sample_rate or 48000, 96000)
        layout = "mono" if stream.codec_context.layout.nb_channels == 1 else "stereo"  # AAC in every player
        out = self.container.add_stream("aac", rate=rate, layout=layout)
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        return out

    def _mux_audio(self, until: float | None) -> None:
        """Audio packets up to ``until`` seconds (None: all the rest), so the file interleaves."""
        import av

        if self._audio is None or self._packets is None:
            return
        try:
            for packet in self._packets:
                if packet.dts is None:
                    continue
                if self._copy:
                    packet.stream = self._audio
                    self.container.mux(packet)
                else:
                    for frame in packet.decode():
                        for resampled in self._resampler.resample(frame):
                            resampled.pts = None
                            self.container.mux(self._audio.encode(resampled))
                if until is not None and packet.pts is not None and float(packet.pts * packet.time_base) > until:
                    return
        except (av.FFmpegError, ValueError):
            self._audio_done()  # damaged audio is dropped from there on; the video stays whole
            return
        self._audio_done()

    def _audio_done(self) -> None:
        """Flush the audio encoder, once: the audio may end before the video or after it."""
        if self._audio is None or self._packets is None:
            return
        self._packets = None
        if not self._copy:
            self.container.mux(self._audio.encode(None))

    def write(self, frame: np.ndarray) -> None:
        """One uint8 RGB frame (cropped to even sides if need be)."""
        import av

        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame[: self.height, : self.width]), format="rgb24")
        picture.pts = self.count
        self.count += 1
        self._mux_audio(float(self.count * self.frame_time) + 0.5)
        self.container.mux(self.video.encode(picture))

    def finish(self) -> Path:
        """Flush, close and rename into place."""
        try:
            self.container.mux(self.video.encode(None))
            self._mux_audio(None)
            self.container.close()
            self._close_audio()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def _close_audio(self) -> None:
        if self._audio_in is not None:
            self._audio_in.close()
            self._audio_in = None

    def abort(self) -> None:
        """Stop and leave nothing behind."""
        try:
            self.container.close()
        except Exception:  # a half-written file may not close cleanly; it is deleted anyway
            pass
        self._close_audio()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is not None:
            self.abort()
