"""Live camera: the camera painted as it streams (WebRTC), with a full-resolution snapshot to
download. The models must be in this process."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

import nst
from nst.app.backend import load_engine, stylize_once
from nst.app.parts import (
    UPLOAD_TYPES,
    available_engines,
    example_bytes,
    models_here,
    page_start,
    settings_caption,
    show_result,
    style_label,
    thumbnail,
    unexpected_error,
)
from nst.app.state import PhotoResult, Picture, app_state
from nst.config import config
from nst.engines import default_engine, describe
from nst.io import images
from nst.live import DEFAULT_SIDE, LiveStylizer, ice_servers, warm_up
from nst.request.model import Request

LIVE_SIDES = [320, 400, 480, 560, 640, 720]  # nst.live's range


@st.cache_resource(max_entries=16, show_spinner="Preparing the style...")
def live_style(engine: str, styles: tuple[bytes, ...], preset: int) -> nst.PreparedStyle:
    """A style prepared once for the live stream, shared by every viewer who picks it."""
    load_engine(engine)
    if describe(engine).takes_images:
        return nst.prepare_style(list(styles), engine=engine)
    return nst.prepare_style(engine=engine, preset=preset)


@st.cache_resource(show_spinner="Warming up the live model...")
def warm_live(engine: str, side: int, paint_scale: float, _style: nst.PreparedStyle) -> None:
    """Once per engine, live size and paint scale: the model set up for the camera's frame shapes."""
    warm_up(load_engine(engine), _style, nst.Settings(size=side, upscale=True), paint_scale)


@st.fragment(run_every=1.0)
def live_stats(stylizer: LiveStylizer, playing: bool) -> None:
    """The stream's frame rate and latency, refreshed every second while it plays."""
    stats = stylizer.stats()
    if playing and stats.frames:
        st.caption(f"Live: {stats.fps:.1f} frames/s, {stats.latency * 1000:.0f} ms per frame")
    elif playing:
        st.caption("Live: connecting...")


def page() -> None:
    page_start("Live camera")
    if not models_here("The live camera is painted"):
        return
    state = app_state()
    fast = available_engines(lambda e: not e.iterative)
    left, right = st.columns(2)
    with left:
        st.subheader("1. Style")
        default = default_engine("builtin")
        engine = st.selectbox(
            "Engine", fast, index=fast.index(default) if default in fast else 0, key="live_engine",
            help="Live needs an engine that paints in one pass; gatys optimizes for minutes.",
        )  # fmt: skip
        if describe(engine).takes_images:
            upload = st.file_uploader("Painting", type=UPLOAD_TYPES, key="live_style_upload")
            style = upload.getvalue() if upload is not None else example_bytes()[1]
            if upload is None:
                st.caption("No painting uploaded: our example painting is used.")
            elif not thumbnail(Picture(style, upload.name)):
                return
            styles: tuple[bytes, ...] = (style,)
            preset: int | str = 0
            style_name = upload.name if upload is not None else "example painting"
        else:
            count = len(describe(engine).builtin_styles)
            options: list[int | str] = [*range(count), *state.learned]  # the styles learned in this session too
            preset = st.selectbox("Built-in style", options, format_func=style_label, key="live_builtin")
            styles = ()
            style_name = style_label(preset)
    with right:
        st.subheader("2. Settings")
        strength = st.slider("Style strength (%)", 0, 100, 100, step=5, key="live_strength")
        side = st.select_slider("Live resolution (long side, px)", LIVE_SIDES, value=DEFAULT_SIDE, key="live_side")
        steady = st.toggle("Steady strokes (follow the motion)", value=True, key="live_steady")
        faster = st.toggle(
            "Faster: paint at half size", value=True, key="live_faster",
            help="Paints a quarter of the pixels and adds the camera's own fine detail back: about 3x the "
            "frame rate, with strokes twice as large.",
        )  # fmt: skip
        preserve = st.toggle("Keep original colours", key="live_preserve")
    paint_scale = 0.5 if faster else 1.0
    try:
        servers = ice_servers(config().ice_servers)
        if isinstance(preset, str):  # a learned style: preparing it is a sum of codes, nothing to cache
            prepared = nst.prepare_style(engine=engine, preset=state.learned[preset])
        else:
            prepared = live_style(engine, styles, preset)
        warm_live(engine, side, paint_scale, prepared)
    except nst.NSTError as exc:
        st.error(str(exc))
        return
    stylizer = st.session_state.setdefault("live_stylizer", LiveStylizer())
    stylizer.configure(
        load_engine(engine), prepared, nst.Settings(strength / 100, side, preserve, True), steady=steady,
        paint_scale=paint_scale,
    )  # fmt: skip
    st.subheader("3. Camera")
    context = webrtc_streamer(
        key="live",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration={"iceServers": servers},
        media_stream_constraints={"video": {"width": {"ideal": 1280}, "height": {"ideal": 720}}, "audio": False},
        video_frame_callback=stylizer.on_frame,
        async_processing=True,  # frames that come while one is painted are dropped, never queued
        video_html_attrs={"autoPlay": True, "muted": True, "style": {"width": "100%", "maxWidth": "720px"}},
        translations={
            "start": "Start the camera",
            "stop": "Stop",
            "media_api_not_available": "This browser gives no camera to this page (it needs https or localhost).",
            "device_not_available": "No camera found: connect one, or allow this site to use it.",
            "device_access_denied": "The camera is blocked: allow this site to use it, then press Start again.",
            "device_ask_permission": "Allow this site to use your camera.",
        },
    )
    live_stats(stylizer, context.state.playing)
    if st.button("Snapshot: download this frame at full resolution", key="snapshot"):
        frame = stylizer.snapshot()
        if frame is None or not context.state.playing:
            st.warning("Start the camera first; the snapshot is the frame it shows.")
        else:
            snapshot = Picture(
                images.encode(images.from_array(frame.astype(np.float32) / 255.0), "PNG"), "snapshot.png"
            )
            chosen = state.learned[preset] if isinstance(preset, str) else preset
            try:
                request = Request(
                    content=snapshot.data, content_name=snapshot.name, styles=styles,
                    style_names=tuple("style" for _ in styles), preset=None if styles else chosen, engine=engine,
                    strength=strength / 100, size=max(frame.shape[:2]), preserve_color=preserve,
                )  # fmt: skip
                png, size, seconds = stylize_once(request)
                caption = settings_caption(engine, style_name, strength / 100, 1.0)
                state.snapshot = PhotoResult(png, size, seconds, snapshot, caption)
            except nst.NSTError as exc:
                st.error(str(exc))
            except Exception:
                unexpected_error()
    if state.snapshot is not None:
        show_result(state.snapshot)


if __name__ == "__main__":
    page()
