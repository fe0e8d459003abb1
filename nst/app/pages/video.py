"""Video: a clip and a painting (or a built-in style) in, the painted clip out, without flicker.
The models must be in this process: a style server takes photos only."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

import nst
from nst.app.backend import load_engine
from nst.app.parts import (
    BRUSHES,
    SIZES,
    THUMB,
    UPLOAD_TYPES,
    ProgressPanel,
    available_engines,
    engine_choice,
    gallery,
    models_here,
    option_widgets,
    page_start,
    scroll_if_asked,
    settings_caption,
    show_video,
    style_label,
    style_labels,
    style_thumbnails,
    time_left,
    unexpected_error,
)
from nst.app.state import Picture, VideoResult, app_state, chosen_preset
from nst.config import config
from nst.engines import describe

VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "gif"]


def clip_facts(video: Picture) -> Any:
    """Show the uploaded video (or its one-line error); returns its facts, or None if unusable."""
    from nst.io.video import VideoReader

    max_seconds = config().app_video_seconds
    try:
        with VideoReader(video.data, name=video.name) as reader:
            info = reader.info
    except nst.VideoError as exc:
        st.error(str(exc))
        return None
    if info.duration > max_seconds:
        st.error(
            f"{video.name}: {info.duration:.0f} s long; this server takes videos up to {max_seconds:.0f} s. "
            "Trim it first."
        )
        return None
    if video.name.lower().endswith(".gif"):
        st.image(video.data, width=THUMB)
    else:
        st.video(video.data)
    audio = ", with sound" if info.audio else ""
    st.caption(f"{video.name}: {info.width}x{info.height}, {info.frames} frames at {float(info.fps):.3g} fps{audio}")
    return info


def page() -> None:
    page_start("Stylize a video")
    if not models_here("Videos are stylized"):
        return
    state = app_state()
    settings = config()
    with st.container(key="workspace"):
        left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("1. Your video")
        upload = st.file_uploader(
            "Video (MP4, MOV, WebM, GIF)", type=VIDEO_TYPES, key="video_upload", label_visibility="collapsed",
            max_upload_size=settings.app_video_mb,
        )  # fmt: skip
        video = Picture(upload.getvalue(), upload.name) if upload is not None else None
        info = clip_facts(video) if video is not None else None
        st.subheader("2. Style")
        uploads = (
            st.file_uploader(
                "Paintings",
                type=UPLOAD_TYPES,
                accept_multiple_files=True,
                key="style_upload",
                label_visibility="collapsed",
            )  # fmt: skip
            or []
        )
        styles = [Picture(f.getvalue(), f.name) for f in uploads]
        usable = style_thumbnails(styles) if styles else []
        styles = [s for s, ok in zip(styles, usable, strict=True) if ok]
        gallery(None)
        st.subheader("3. Settings")
        engine = engine_choice(available_engines())
        uses_images = describe(engine).takes_images
        with st.form("video_settings", border=True):
            if not uses_images:
                st.caption(f"Built-in style: {style_label(chosen_preset())} (pick another in the gallery)")
            strength = st.slider("Style strength (%)", 0, 100, 100, step=5, key="strength")
            side = settings.app_video_side
            sizes: list[Any] = ["as the video"] + [s for s in SIZES if s <= side]
            size = st.select_slider("Output size (long side, px)", sizes, value="as the video", key="video_size")
            temporal = st.toggle("Reduce flicker (follow the motion)", value=True, key="temporal")
            brush = st.select_slider(
                "Brush size", BRUSHES, value=1.0, format_func=lambda b: f"{b:g}x", key="stroke_scale"
            )
            preserve = st.toggle("Keep original colours", key="preserve_color")
            options = option_widgets(engine)
            weights = None
            if len(styles) > 1 and uses_images:
                st.write("Blend")
                weights = [float(st.slider(label, 0, 100, 50, key=f"weight_{i}")) for i, label in
                           enumerate(style_labels(styles))]  # fmt: skip
            submitted = st.form_submit_button("Stylize video", type="primary")
    with right, st.container(key="outcome"):
        if st.session_state.get("cancel_video"):
            st.info("Cancelled; no video was made.")
        if submitted:
            if video is None or info is None:
                st.error("Add a video first." if video is None else f"{video.name} cannot be used (see why under it).")
            elif uses_images and not styles:
                st.error("Add at least one style image first, or pick a built-in style in the gallery.")
            else:
                style = style_label(chosen_preset()) if not uses_images else (
                    styles[0].name if len(styles) == 1 else f"{len(styles)} styles")  # fmt: skip
                caption = settings_caption(engine, style, strength / 100, float(brush))
                caption += "" if temporal else ", frame by frame"
                run_video(video, info, styles if uses_images else [], engine, dict(
                    strength=strength / 100, size=size, preserve_color=preserve, stroke_scale=float(brush),
                    temporal=temporal, style_weights=weights, **options,
                ), caption)  # fmt: skip
        if state.video is not None:
            show_video(state.video)
            scroll_if_asked("result")
        elif not submitted:
            st.caption("Your video appears here.")


def run_video(video: Picture, info: Any, styles: list[Picture], engine: str, values: dict, caption: str) -> None:
    """The video, frame by frame, with a progress bar, the latest frame and Cancel where the
    result will be; the MP4 is kept in the session for the player and the download."""
    from nst.io import images
    from nst.video import stylize_video

    state = app_state()
    side = config().app_video_side
    long_side = max(info.width, info.height)
    target = min(long_side, side) if values["size"] == "as the video" else values["size"]
    if values["size"] == "as the video" and long_side > side:
        st.info(f"This server makes videos up to {side} px on the long side; yours ({long_side} px) is scaled down.")
    runner = load_engine(engine)
    if runner.note:
        st.caption(runner.note)
    panel = ProgressPanel("Cancel", "cancel_video")  # a click reruns the page, which stops this run

    def progress(p: nst.Progress) -> None:
        rate = f", {p.done / p.seconds:.1f} frames/s" if p.seconds > 0 else ""
        panel.notice.empty()
        panel.bar.progress(p.fraction, text=f"Frame {p.done}/{p.total}{rate}{time_left(p)}")
        if p.preview is not None:
            panel.preview.image(images.encode(images.from_array(p.preview), "JPEG", quality=85),
                                caption=f"Frame {p.done}", width=480)  # fmt: skip

    state.video = None
    preset = None if styles else chosen_preset()
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "stylized.mp4"
            result = stylize_video(
                video.data, out, [s.data for s in styles] or None, engine=engine, preset=preset,
                size=target, upscale=target > long_side, progress=progress, name=video.name,
                **{k: v for k, v in values.items() if k != "size"},
            )  # fmt: skip
            data = out.read_bytes()
        state.video = VideoResult(
            data, video.name, (result.width, result.height), result.frames, result.seconds, caption
        )
        state.scroll_to = "result"
    except nst.NSTError as exc:
        st.error(str(exc))
    except Exception:
        unexpected_error()
    finally:
        panel.clear()


if __name__ == "__main__":
    page()
