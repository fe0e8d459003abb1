"""Streamlit web app: upload a photo and a painting, press Stylize, download the result.

Entry point: ``main()`` at the bottom (``streamlit run app.py``). The UI only calls ``nst`` and
names no engine: what an engine offers (style images or built-in styles, its options, whether
it optimizes with previews) comes from the engine itself. Models load once per process
(``st.cache_resource``) and results for the same inputs and settings are reused from a shared,
size-bounded cache, so reruns and repeat requests cost nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import hashlib
import logging
import time
import uuid
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas
from streamlit_webrtc import WebRtcMode, webrtc_streamer  # before TensorFlow: see tests/conftest.py

import nst
from nst.api import builtin_label
from nst.config import config
from nst.engines import default_engine, describe, engine_names, engines_where, unavailable_reason
from nst.io import images
from nst.io.examples import example_painting, example_photo
from nst.live import DEFAULT_SIDE, LiveStylizer, ice_servers, warm_up
from nst.ops.masks import DEFAULT_FEATHER
from nst.request.model import Request
from nst.runtime.cache import LRUCache
from nst.service.client import RemoteService

UPLOAD_TYPES = list(images.INPUT_SUFFIXES)  # phone formats (HEIC, AVIF) too
VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "gif"]
SIZES = [256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 5120, 6144]  # up to nst's largest output
LIVE_SIDES = [320, 400, 480, 560, 640, 720]  # nst.live's range
BRUSHES = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
THUMB = 220


@dataclasses.dataclass(frozen=True)
class Choices:
    """The settings form, as one value: hashable, so it keys the shared result cache."""

    strength: int  # percent
    size: int | str  # px, or "as the video"
    preserve_color: bool
    weights: tuple[float, ...] | None
    options: tuple[tuple[str, object], ...]
    upscale: bool = False
    stroke_scale: float = 1.0
    mask: bytes | None = None  # regional styles: PNG, white inside
    feather: float = DEFAULT_FEATHER
    outside: int | None = None  # built-in style outside the mask (None: the photo, or the second style image)


def video_limits() -> tuple[float, int, int]:
    """What this server accepts from the web, set by the host (nst.config): the longest clip in
    seconds, the result's long side, the upload size in MB (photos keep server.maxUploadSize)."""
    settings = config()
    return settings.app_video_seconds, settings.app_video_side, settings.app_video_mb


@st.cache_resource(show_spinner="Loading the style model (first time only)...")
def load_engine(name: str):
    """One engine per process, shared by every session (nst engines are thread-safe)."""
    engine = nst.get_engine(name)
    # Streamlit collects garbage after every run (Keras' clear_session); the loaded model's
    # objects live as long as the process, so they are left out of those collections.
    gc.freeze()
    return engine


@st.cache_resource
def remote() -> RemoteService | None:
    """The style server this app sends its photos to (``NST_SERVER_URL``), or None: models in-process."""
    url = (config().server_url or "").strip()
    return RemoteService(url) if url else None


@st.cache_resource(ttl=30, show_spinner=False)
def remote_engines() -> dict[str, dict] | str:
    """The style server's engines, or why it cannot be asked; asked again after 30 s."""
    try:
        return remote().engines()
    except nst.NSTError as exc:
        return str(exc)


@st.cache_resource(ttl=600, show_spinner=False)
def local_problem(name: str) -> str | None:
    return unavailable_reason(name)


def engine_problem(name: str) -> str | None:
    """Why an engine cannot run (None if it can): here, or on the style server; checked at most
    every 10 minutes here, every 30 s there."""
    if remote() is None:
        return local_problem(name)
    engines = remote_engines()
    if isinstance(engines, str):
        return engines
    if name not in engines:
        return "the style server does not offer it."
    return engines[name]["reason"] if not engines[name]["available"] else None


@st.cache_data(max_entries=16, show_spinner=False)
def example_bytes() -> tuple[bytes, bytes]:
    return images.encode(example_photo(), "PNG"), images.encode(example_painting(), "PNG")


@st.cache_resource
def result_cache() -> LRUCache:
    """Finished results (PNG bytes, size, seconds) by a hash of all inputs and settings, shared by
    every session: ``NST_RESULT_CACHE`` entries (default 32; 0 turns reuse off, e.g. for load
    tests) and at most 256 MB of PNGs (full-size ones can be tens of MB)."""
    return LRUCache(config().result_cache, 256 * 2**20, lambda v: len(v[0]))


def stylize_once(
    content: bytes, styles: tuple[bytes, ...], engine: str, choices: Choices, preset, on_queue=None, progress=None
) -> tuple[bytes, tuple[int, int], float]:
    """PNG bytes of the result, its size and the seconds it took; the same request is served
    from the shared cache, not recomputed."""
    uses_images = describe(engine).takes_images
    if not uses_images:
        choices = dataclasses.replace(choices, weights=None)
    digest = hashlib.sha256(repr((engine, choices, None if uses_images else preset)).encode())
    for part in (content, *(styles if uses_images else ())):
        digest.update(hashlib.sha256(part).digest())
    key = digest.hexdigest()
    cached = result_cache().get(key)
    if cached is not None:
        return cached
    if choices.mask is not None and not uses_images and choices.outside is not None:
        preset = [preset, choices.outside]  # inside, outside
    if choices.mask is not None and uses_images:
        styles = styles[:2]  # inside, outside
    request = Request(
        content=content, styles=styles if uses_images else (), preset=None if uses_images else preset,
        engine=engine, strength=choices.strength / 100, size=choices.size, upscale=choices.upscale,
        preserve_color=choices.preserve_color, stroke_scale=choices.stroke_scale, weights=choices.weights,
        mask=choices.mask, feather=choices.feather, options=dict(choices.options) or None,
    )  # fmt: skip
    if remote() is not None:  # the same request, answered by the style server
        start = time.perf_counter()
        result = remote().run(request)
    else:
        load_engine(engine)
        start = time.perf_counter()  # the shown seconds are the painting's, not the model load's
        result = nst.api.run(request, on_queue=on_queue, progress=progress)
    value = (images.encode(result, "PNG"), result.size, time.perf_counter() - start)
    result_cache().put(key, value)
    return value


@st.cache_data(max_entries=8, show_spinner="Painting your photo in all 26 built-in styles...")
def gallery_cached(content: bytes) -> list[bytes]:
    if remote() is not None:
        count = len(describe(default_engine("builtin")).builtin_styles)
        return [images.encode(remote().stylize(content, preset=i, size=200), "PNG") for i in range(count)]
    load_engine(default_engine("builtin"))
    return [images.encode(tile, "PNG") for tile in nst.preset_gallery(content, size=200)]


def pick_preset(index: int | str) -> None:
    st.session_state["builtin_style"] = index
    st.session_state["engine"] = default_engine("builtin")


def gallery(content: bytes | None) -> None:
    """The 26 built-in styles on the user's photo (or our example); a click picks one."""
    if not st.toggle("Show the 26 built-in styles", key="show_gallery"):
        return
    try:
        tiles = gallery_cached(content if content is not None else example_bytes()[0])
    except nst.NSTError as exc:  # a style server that is down or busy
        st.error(str(exc))
        return
    photo = content if content is not None else example_bytes()[0]
    yours = [(name, learned_tile(photo, style.digest, style)) for name, style in learned_styles().items()]
    columns = st.columns(6)
    for index, (key, tile) in enumerate([*enumerate(tiles), *yours]):
        with columns[index % 6]:
            st.image(tile, width="stretch")
            chosen = st.session_state.get("builtin_style") == key
            st.button(
                f"{'✓ ' if chosen else ''}{style_label(key)}",
                key=f"builtin_style_{key}",
                on_click=pick_preset,
                args=(key,),
                type="primary" if chosen else "secondary",
                width="stretch",
            )


@st.cache_data(max_entries=64, show_spinner=False)
def learned_tile(content: bytes, digest: str, _style) -> bytes:
    """A learned style's gallery tile on the photo (``digest`` keys the cache: the style itself is not hashed)."""
    return images.encode(nst.stylize(content, preset=_style, size=200), "PNG")


def learned_styles() -> dict:
    """The styles learned (or added from a file) in this browser session, by name: each person's
    own, never shared with other visitors of the app."""
    return st.session_state.setdefault("learned_styles", {})


def chosen_preset():
    """The style picked in the gallery: a built-in style's number, or a learned style."""
    value = st.session_state.get("builtin_style", 0)
    if isinstance(value, str):
        return learned_styles().get(value, 0)
    return value


def style_label(value) -> str:
    if isinstance(value, str):
        return f"{value} (yours)"
    if hasattr(value, "code"):
        return f"{value.name} (yours)"
    return builtin_label(value)


@st.cache_data(max_entries=8, show_spinner=False)
def as_jpeg(png: bytes) -> bytes:
    return images.encode(images.load_image(png), "JPEG", quality=92)


BEFORE_AFTER_SIDE = 1280  # px on the long side: enough for any screen, small enough to send inline


def before_after(original, result) -> str:
    """The result over the photo with a line to drag (a range input, so touch and keys work too);
    a few lines of HTML and CSS, no external script, so it works offline."""
    shown = images.fit(result, BEFORE_AFTER_SIDE)
    photo = original.resize(shown.size, Image.Resampling.LANCZOS)

    def uri(image) -> str:
        return "data:image/jpeg;base64," + base64.b64encode(images.encode(image, "JPEG", quality=90)).decode()

    w, h = shown.size
    # a script binds the line (Streamlit's HTML sanitizer drops inline on* handlers)
    bind = """document.querySelectorAll('.before-after input:not([data-bound])').forEach((range) => {
        range.dataset.bound = '1';
        range.addEventListener('input', () => range.parentNode.style.setProperty('--cut', range.value + '%'));
    });"""
    return f"""
<div class="before-after" style="--cut:50%;position:relative;width:100%;max-width:{w}px;aspect-ratio:{w}/{h};
     user-select:none;touch-action:pan-y">
  <img src="{uri(photo)}" alt="Original" style="position:absolute;inset:0;width:100%;height:100%">
  <img src="{uri(shown)}" alt="Stylized"
       style="position:absolute;inset:0;width:100%;height:100%;clip-path:inset(0 0 0 var(--cut))">
  <div style="position:absolute;top:0;bottom:0;left:var(--cut);width:2px;margin-left:-1px;background:#fff;
       box-shadow:0 0 3px rgba(0,0,0,.6);pointer-events:none"></div>
  <input type="range" min="0" max="100" value="50" step="0.5" aria-label="Before/after: where the line is"
         style="position:absolute;inset:0;width:100%;height:100%;margin:0;opacity:0;cursor:ew-resize">
</div>
<script>{bind}</script>"""


def thumbnail(data: bytes, caption: str):
    """Show an input small, or its one-line error; returns whether it is usable."""
    try:
        image = nst.api.preview(data, THUMB, name=caption)  # decoded one at a time, as small as shown
    except nst.ImageError as exc:
        st.error(str(exc))
        return False
    st.image(image, caption=f"{caption} ({image.width}x{image.height} shown)", width="content")
    return True


def inputs(video: bool) -> tuple[bytes | None, str, list[tuple[bytes, str]]]:
    """The content bytes and name (a photo, or a video) and the style images, from uploads, the
    camera or the example."""
    left, right = st.columns(2)
    shot = None
    with left:
        if video:
            st.subheader("1. Your video")
            upload = st.file_uploader(
                "Video (MP4, MOV, WebM, GIF)", type=VIDEO_TYPES, key="video_upload", label_visibility="collapsed",
                max_upload_size=video_limits()[2],
            )  # fmt: skip
        else:
            st.subheader("1. Your photo")
            use_camera = st.toggle("Take a photo with the camera", key="use_camera")
            shot = st.camera_input("Camera", key="camera") if use_camera else None
            upload = st.file_uploader("Photo", type=UPLOAD_TYPES, key="content_upload", label_visibility="collapsed")
    with right:
        st.subheader("2. Style image(s)")
        style_uploads = (
            st.file_uploader(
                "Paintings",
                type=UPLOAD_TYPES,
                accept_multiple_files=True,
                key="style_upload",
                label_visibility="collapsed",
            )
            or []
        )
    if not video and st.button("No pictures at hand? Try our example", key="example"):
        st.session_state["use_example"] = True
    if upload is not None or shot is not None or style_uploads:
        st.session_state["use_example"] = False
    if st.session_state.get("use_example") and not video:
        photo, painting = example_bytes()
        return photo, "example.png", [(painting, "example painting")]
    source = shot if shot is not None else upload
    content = (source.getvalue(), source.name) if source is not None else (None, "")
    return content[0], content[1], [(f.getvalue(), f.name) for f in style_uploads]


def main() -> None:
    st.set_page_config(page_title="Neural style transfer", page_icon="🎨", layout="wide")
    st.title("Neural style transfer")
    try:
        config()  # a bad NST_* variable: one line for the host, not a broken page later
    except nst.NSTError as exc:
        st.error(str(exc))
        return
    st.caption("Repaint your photo in the style of any painting, at full resolution.")

    mode = st.segmented_control("Stylize", ["Photo", "Video", "Live"], default="Photo", key="mode")
    video = mode == "Video"
    if mode in ("Video", "Live") and remote() is not None:
        st.info(f"{mode} is stylized where the models are; this app sends photos to a style server.")
        return
    if mode == "Live":
        live_section()
        return
    content, content_name, styles = inputs(video)
    left, right = st.columns(2)
    with left:
        if video:
            clip = video_preview(content, content_name) if content is not None else None
            content_ok = clip is not None
        else:
            content_ok = content is not None and thumbnail(content, content_name)
    with right:
        styles_ok = [thumbnail(data, name) for data, name in styles]
        if styles and not describe(st.session_state.get("engine", default_engine("images"))).takes_images:
            painters = ", ".join(engines_where(lambda e: e.takes_images))
            st.warning(f"Not in use while a built-in style is chosen; pick one of these engines for them: {painters}.")
    styles = [s for s, ok in zip(styles, styles_ok, strict=True) if ok]
    gallery(content if content_ok and not video else None)
    if not video:
        own_style(content if content_ok else None, styles)
    mask, feather, outside = regions(content if content_ok and not video else None, len(styles))

    st.subheader("3. Settings")
    available = [name for name in engine_names() if engine_problem(name) is None]
    described = "\n\n".join(f"**{name}**: {describe(name).description}" for name in engine_names())
    engine = st.selectbox("Engine", available, key="engine", help=described)  # short names fit a phone
    st.caption(describe(engine).description)
    for name in engine_names():
        if name not in available:
            st.caption(f"{name} unavailable: {engine_problem(name)}")
    uses_images = describe(engine).takes_images
    with st.form("settings", border=True):
        if not uses_images:
            chosen = style_label(chosen_preset())
            st.caption(f"Built-in style: {chosen} (pick another in the gallery)")
        strength = st.slider("Style strength (%)", 0, 100, 100, step=5, key="strength")
        upscale = False
        if video:
            side = video_limits()[1]
            sizes = ["as the video"] + [s for s in SIZES if s <= side]
            size = st.select_slider("Output size (long side, px)", sizes, value="as the video", key="video_size")
            temporal = st.toggle("Reduce flicker (follow the motion)", value=True, key="temporal")
        else:
            size = st.select_slider("Output size (long side, px)", SIZES, value=1024, key="size")
            upscale = st.toggle(
                "Enlarge a smaller photo to this size", key="upscale",
                help="Off: a photo smaller than the output size keeps its own size. On: it is enlarged "
                "(bicubic) before painting, so the result has the size you chose.",
            )  # fmt: skip
        brush = st.select_slider(
            "Brush size", BRUSHES, value=1.0, format_func=lambda b: f"{b:g}x", key="stroke_scale",
            help="1x paints strokes as large, for the picture, as a 1024 px result, whatever the output size "
            "(a 4K print looks like the preview, only sharper); 2x twice as large, 0.5x half.",
        )  # fmt: skip
        preserve = st.toggle("Keep original colours", key="preserve_color")
        options = option_widgets(engine)
        weights = None
        if len(styles) > 1 and uses_images:
            st.write("Blend")
            weights = tuple(float(st.slider(name, 0, 100, 50, key=f"weight_{i}")) for i, (_, name) in enumerate(styles))
        submitted = st.form_submit_button("Stylize video" if video else "Stylize", type="primary")
    if mask is not None:
        weights = None  # each region has its own style
    choices = Choices(strength, size, preserve, weights, options, upscale, float(brush), mask, feather, outside)

    if video:
        if st.session_state.get("cancel_video"):
            st.info("Cancelled; no video was made.")
        if submitted:
            if not content_ok or (not styles and uses_images):
                st.error("Add a video and at least one style image first.")
            else:
                run_video(content, content_name, clip, styles, engine, choices, temporal)
        if "video_result" in st.session_state:
            show_video(*st.session_state["video_result"])
        return
    if st.session_state.get("cancel") and "partial" in st.session_state:
        st.session_state["result"] = st.session_state.pop("partial")
    if submitted:
        st.session_state.pop("partial", None)
        if not content_ok or (not styles and uses_images):
            st.error("Add a photo and at least one style image first (or try the example).")
        else:
            run(content, content_name, styles, engine, choices)

    if "result" in st.session_state:
        show_result(*st.session_state["result"])


LEARN_TIMES = {"Quick (about 1 minute)": 50, "Best (about 3 minutes)": 150}  # steps on this 2-core server


def own_style(content: bytes | None, styles: list[tuple[bytes, str]]) -> None:
    """Learn a fast style from the first painting on the user's photo (nst.learn_style), with a
    progress bar, a preview and Cancel (the best so far is kept); or add a style file from an
    earlier visit. Learned styles join the gallery and download as small files."""
    if remote() is not None:
        return
    with st.expander("Make a fast style from this painting"):
        st.caption(
            "Learns the painting as a new built-in style in minutes, on your photo: it then paints at "
            "built-in speed (video and live camera too) and joins the gallery. Download it to keep it."
        )
        painting = styles[0] if styles else None
        if painting is None or content is None:
            st.caption("Add a photo and a painting above to learn a style from them.")
        else:
            stem = Path(painting[1]).stem.replace("_", " ").strip() or "My style"
            default = "".join(c for c in stem if c.isalnum() or c in " -")[:40].strip() or "My style"
            with st.form("learn_style", border=False):
                name = st.text_input("Name", value=default if default[:1].isalpha() else f"Style {default}")
                effort = st.segmented_control("Learning time", list(LEARN_TIMES), default=list(LEARN_TIMES)[1])
                go = st.form_submit_button(f"Learn a style from {painting[1]}")
            if st.session_state.get("learn_cancel") and "learn_partial" in st.session_state:
                keep(st.session_state.pop("learn_partial"), "cancelled; kept the best so far")
            if go:
                learn(content, painting[0], name, LEARN_TIMES.get(effort or list(LEARN_TIMES)[1]))
        upload = st.file_uploader(
            "Add a style file (.nststyle) from an earlier visit", type=["nststyle"], key="style_file"
        )
        if upload is not None and st.session_state.get("style_file_seen") != upload.file_id:
            st.session_state["style_file_seen"] = upload.file_id
            try:
                keep(nst.LearnedStyle.from_bytes(upload.getvalue(), upload.name), "added from your file")
            except nst.NSTError as exc:
                st.error(str(exc))
        for key, style in learned_styles().items():
            st.download_button(
                f"Download {key}.nststyle", style.to_bytes(), file_name=f"{key}.nststyle", key=f"save_{style.digest}",
                mime="application/octet-stream",
            )  # fmt: skip


def keep(style, how: str) -> None:
    """A learned style into this session's styles, chosen in the gallery."""
    learned_styles()[style.name] = style
    pick_preset(style.name)
    st.success(f"{style.name}: {how}. It is chosen in the gallery; press Stylize.")


def learn(content: bytes, painting: bytes, name: str, steps: int) -> None:
    bar, preview, cancel = st.empty(), st.empty(), st.empty()
    cancel.button("Cancel (keep the best so far)", key="learn_cancel")
    st.session_state.pop("learn_partial", None)

    def progress(p: nst.Progress) -> None:
        left = f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
        losses = ", ".join(f"{k} loss {v:.3g}" for k, v in p.losses.items())
        bar.progress(p.fraction, text=f"Learning: step {p.done}/{p.total}{left} ({losses})")
        if p.preview is not None:
            preview.image(images.encode(images.from_array(p.preview), "JPEG"), caption="Your photo, so far", width=384)

    def best(style) -> None:
        st.session_state["learn_partial"] = style

    try:
        with st.spinner("Learning the style..."):
            style = nst.learn_style(
                painting, [content], name=name, steps=steps, preview=content, progress=progress, on_best=best
            )
        st.session_state.pop("learn_partial", None)
        keep(style, f"learned in {style.settings['seconds'] / 60:.1f} min")
    except nst.NSTError as exc:
        st.error(str(exc))
    except Exception:
        show_unexpected_error()
    finally:  # a Cancel click interrupts the run here: "learn_partial" stays for the next run
        for placeholder in (bar, preview, cancel):
            placeholder.empty()


CANVAS_WIDTHS = [340, 480, 640]  # px; the smallest fits a phone's screen (a wider canvas would scroll there)


def regions(content: bytes | None, style_count: int) -> tuple[bytes | None, float, int | None]:
    """Regional styles: a mask painted on the photo or uploaded (white: inside), its feather, and
    the built-in style outside; (None, ...) when off. The first style paints the inside; outside,
    the second style image or the chosen built-in style, else the photo as it is."""
    if content is None:
        return None, DEFAULT_FEATHER, None
    with st.expander("Regions: paint part of the photo in another style (or keep it as the photo)"):
        if not st.toggle("Style by region", key="regions_on"):
            return None, DEFAULT_FEATHER, None
        engine = st.session_state.get("engine", default_engine("images"))
        if not describe(engine).paints_regions and style_count > 1:
            st.caption(f"{engine} paints one region; the outside keeps the photo.")
        source = st.segmented_control("Mark the region", ["Paint it", "Upload a mask"], default="Paint it",
                                      key="region_source")  # fmt: skip
        feather = (
            st.slider("Soften the border (% of the picture)", 0.0, 10.0, DEFAULT_FEATHER * 100, step=0.5, key="feather")
            / 100
        )
        outside = None
        if not describe(engine).takes_images:
            count = len(describe(engine).builtin_styles)
            choice = st.selectbox(
                "Outside the region", [-1, *range(count)], key="outside_style",
                format_func=lambda i: "Keep the photo" if i < 0 else builtin_label(i),
            )  # fmt: skip
            outside = None if choice < 0 else int(choice)
        else:
            st.caption("Inside: your first style image. Outside: your second one, or the photo if there is one.")
        if source == "Upload a mask":
            upload = st.file_uploader("Mask (white = inside, the photo's shape)", type=UPLOAD_TYPES, key="mask_upload")
            return (upload.getvalue() if upload is not None else None), feather, outside
        canvas = st.select_slider(
            "Canvas width (px)", CANVAS_WIDTHS, value=CANVAS_WIDTHS[0], key="canvas_width",
            help="340 fits a phone; wider canvases are easier to paint on a large screen.",
        )  # fmt: skip
        original_size = images.image_size(content)
        tall = max(canvas, -(-canvas * original_size[1] // original_size[0]))  # the canvas's height, rounded up
        photo = nst.api.preview(content, tall)
        photo = photo.resize((canvas, max(16, round(photo.height * canvas / photo.width))), Image.Resampling.LANCZOS)
        width, height = photo.size
        brush = st.slider("Brush", 5, 100, 25, key="region_brush")
        drawn = st_canvas(
            stroke_width=brush, stroke_color="rgba(255, 64, 160, 0.6)", background_image=photo,
            width=width, height=height, drawing_mode="freedraw", return_image_data=True, key="region_canvas",
        )  # fmt: skip
        alpha = drawn.image_data[..., 3] if drawn is not None and drawn.image_data is not None else None
        if alpha is None or not alpha.any():
            st.caption("Paint over the part of the photo that gets the inside style.")
            return None, feather, outside
        painted = Image.fromarray(np.where(alpha > 0, 255, 0).astype(np.uint8), "L")
        # at the photo's own size, so the canvas's rounding never changes the shape
        return images.encode(painted.resize(original_size, Image.Resampling.BILINEAR)), feather, outside


def option_widgets(engine: str) -> tuple[tuple[str, object], ...]:
    """A slider for each of the engine's options that declares a slider range; (name, value) pairs."""
    options_type = describe(engine).options_type
    if options_type is None:
        return ()
    values = []
    for field in dataclasses.fields(options_type):
        if "slider" in field.metadata:
            low, high, step = field.metadata["slider"]
            label = field.name.replace("_", " ").capitalize()
            values.append((field.name, st.slider(label, low, high, field.default, step=step, key=field.name)))
    return tuple(values)


def run(content: bytes, content_name: str, styles, engine: str, choices: Choices, preset: int | None = None) -> None:
    """One stylization with a queue notice and a progress bar; an engine that optimizes also shows
    its best picture so far, and Cancel keeps it."""
    notice = st.empty()

    def queued(position: int) -> None:
        notice.info(f"Queued: {position} in line. Your picture starts as soon as the server is free.")

    runner = None if remote() is not None else load_engine(engine)  # a style server: no progress from it
    if runner is not None and runner.note:
        st.caption(runner.note)
    cancel, bar, preview = st.empty(), st.empty(), st.empty()
    if runner is not None and runner.iterative:
        cancel.button("Cancel (keep the best image so far)", key="cancel")

    def progress(p: nst.Progress) -> None:
        if p.single:
            return
        left = f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
        stage = f" at {p.stage}" if p.stage else ""
        bar.progress(p.fraction, text=f"{p.unit.capitalize()} {p.done}/{p.total}{stage}{left}")
        if p.preview is not None:
            png = images.encode(images.from_array(p.preview), "PNG")
            preview.image(png, caption=f"Best so far ({p.unit} {p.done})", width=480)
            size_now = (p.preview.shape[1], p.preview.shape[0])
            note = f"cancelled at {p.unit} {p.done} of {p.total}; the best image so far"
            st.session_state["partial"] = ((png, size_now, p.seconds), content, content_name, note)

    try:
        with st.spinner("Stylizing..."):
            result = stylize_once(
                content,
                tuple(s for s, _ in styles),
                engine,
                choices,
                chosen_preset() if preset is None else preset,
                on_queue=queued,
                progress=progress,
            )
        summary = settings_summary(engine, choices) + (", original colours" if choices.preserve_color else "")
        st.session_state["result"] = (result, content, content_name, summary + kept_size_note(content, choices))
        st.session_state["scroll_to_result"] = True
        st.session_state.pop("partial", None)
    except nst.NSTError as exc:
        for key in ("result", "partial"):
            st.session_state.pop(key, None)
        st.error(str(exc))
    except Exception:
        for key in ("result", "partial"):
            st.session_state.pop(key, None)
        show_unexpected_error()
    finally:  # also when Cancel interrupts the run: "partial" then stays for the next run
        for placeholder in (notice, cancel, bar, preview):
            placeholder.empty()


def video_preview(data: bytes, name: str):
    """Show the uploaded video (or its one-line error); returns its facts, or None if unusable."""
    from nst.io.video import VideoReader

    max_seconds = video_limits()[0]
    try:
        with VideoReader(data, name=name) as reader:
            info = reader.info
    except nst.VideoError as exc:
        st.error(str(exc))
        return None
    if info.duration > max_seconds:
        st.error(
            f"{name}: {info.duration:.0f} s long; this server takes videos up to {max_seconds:.0f} s. Trim it first."
        )
        return None
    if name.lower().endswith(".gif"):
        st.image(data, width=THUMB)
    else:
        st.video(data)
    audio = ", with sound" if info.audio else ""
    st.caption(f"{name}: {info.width}x{info.height}, {info.frames} frames at {float(info.fps):.3g} fps{audio}")
    return info


def run_video(content: bytes, name: str, info, styles, engine: str, choices: Choices, temporal: bool) -> None:
    """The video, frame by frame, with a progress bar, the latest frame and Cancel; the MP4 is
    kept in the session for the player and the download."""
    import tempfile

    from nst.video import stylize_video

    side = video_limits()[1]
    long_side = max(info.width, info.height)
    target = min(long_side, side) if choices.size == "as the video" else choices.size
    if choices.size == "as the video" and long_side > side:
        st.info(f"This server makes videos up to {side} px on the long side; yours ({long_side} px) is scaled down.")
    runner = load_engine(engine)
    if runner.note:
        st.caption(runner.note)
    cancel, bar, preview = st.empty(), st.empty(), st.empty()
    cancel.button("Cancel", key="cancel_video")  # a click reruns the page, which stops this run

    def progress(p: nst.Progress) -> None:
        left = f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
        rate = f", {p.done / p.seconds:.1f} frames/s" if p.seconds > 0 else ""
        bar.progress(p.fraction, text=f"Frame {p.done}/{p.total}{rate}{left}")
        if p.preview is not None:
            preview.image(images.encode(images.from_array(p.preview), "JPEG", quality=85), caption=f"Frame {p.done}",
                          width=480)  # fmt: skip

    uses_images = describe(engine).takes_images
    st.session_state.pop("video_result", None)
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "stylized.mp4"
            result = stylize_video(
                content, out, [s for s, _ in styles] if uses_images else None, engine=engine,
                preset=None if uses_images else chosen_preset(),
                style_weights=choices.weights if uses_images else None, strength=choices.strength / 100,
                size=target, upscale=target > long_side, preserve_color=choices.preserve_color,
                stroke_scale=choices.stroke_scale, temporal=temporal, progress=progress, name=name,
                **dict(choices.options),
            )  # fmt: skip
            data = out.read_bytes()
        summary = settings_summary(engine, choices) + ("" if temporal else ", frame by frame")
        st.session_state["video_result"] = (
            data,
            name,
            result.width,
            result.height,
            result.frames,
            result.seconds,
            summary,
        )
    except nst.NSTError as exc:
        st.error(str(exc))
    except Exception:
        show_unexpected_error()
    finally:
        for placeholder in (cancel, bar, preview):
            placeholder.empty()


def show_video(data: bytes, name: str, width: int, height: int, frames: int, seconds: float, note: str) -> None:
    st.subheader("4. Result")
    st.caption(f"{width}x{height} px, {frames} frames in {seconds:.0f} s ({note})")
    player, _ = st.columns(2)
    player.video(data)
    stem = Path(name).stem or "video"
    st.download_button("Download MP4", data, f"{stem}_stylized.mp4", "video/mp4", key="download_mp4")


def show_unexpected_error() -> None:
    """Never a traceback on the page: the error is logged with a reference the user can quote."""
    reference = uuid.uuid4().hex[:8]
    logging.getLogger("nst.app").exception("unexpected error, reference %s", reference)
    st.error(f"Something went wrong on our side (reference {reference}). Please try again.")


def settings_summary(engine: str, choices: Choices) -> str:
    """The settings a result was made with, for its caption (photos and videos alike)."""
    return f"{engine}, strength {choices.strength} %, brush {choices.stroke_scale:g}x"


def kept_size_note(content: bytes, choices: Choices) -> str:
    """What the result's size is when the photo is smaller than the size asked for."""
    width, height = images.image_size(content)
    if max(width, height) >= choices.size:
        return ""
    if choices.upscale:
        return f"; your {width}x{height} photo was enlarged to {choices.size} px"
    return f"; your photo is {width}x{height}, so it kept its size: turn on 'Enlarge' for {choices.size} px"


def show_result(result, content: bytes, content_name: str, note: str | None = None) -> None:
    """The result with the downloads right under its heading (seen without scrolling), and a view
    switch so a phone compares the photo and the result in one place."""
    png, (width, height), seconds = result
    with st.container(key="result"):
        st.subheader("4. Result")
        st.caption(f"{width}x{height} px in {seconds:.1f} s" + (f" ({note})" if note else ""))  # settings or cancel
        stem = Path(content_name).stem or "image"
        a, b, view = st.columns([1, 1, 3], vertical_alignment="center")
        a.download_button("Download PNG", png, f"{stem}_stylized.png", "image/png", key="download_png")
        b.download_button("Download JPEG", as_jpeg(png), f"{stem}_stylized.jpg", "image/jpeg", key="download_jpg")
        shown = view.segmented_control(
            "View", ["Side by side", "Before/after", "Result", "Photo"], default="Side by side",
            key="result_view", label_visibility="collapsed",
        )  # fmt: skip
        original = nst.api.preview(content, max(images.image_size(png)))  # at the result's size
        if shown == "Before/after":
            st.html(before_after(original, images.load_image(png)), unsafe_allow_javascript=True)
            st.caption("Drag across the picture: the photo on the left of the line, the result on the right.")
        elif shown == "Result":
            st.image(png, caption="Stylized", width="content")  # never stretched past its own size
        elif shown == "Photo":
            st.image(original, caption="Original", width="content")
        else:
            before, after = st.columns(2)
            before.image(original, caption="Original", width="content")
            after.image(png, caption="Stylized", width="content")
    if st.session_state.pop("scroll_to_result", False):
        scroll_into_view("result")


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


def live_section() -> None:
    """The camera painted live: a fast engine, a style, strength and resolution changed while it
    runs, the frame rate shown, and a full-resolution snapshot to download."""
    fast = [n for n in engines_where(lambda e: not e.iterative) if engine_problem(n) is None]
    left, right = st.columns(2)
    with left:
        st.subheader("1. Style")
        engine = st.selectbox(
            "Engine", fast, index=fast.index(default_engine("builtin")) if default_engine("builtin") in fast else 0,
            key="live_engine", help="Live needs an engine that paints in one pass; gatys optimizes for minutes.",
        )  # fmt: skip
        if describe(engine).takes_images:
            upload = st.file_uploader("Painting", type=UPLOAD_TYPES, key="live_style_upload")
            style = upload.getvalue() if upload is not None else example_bytes()[1]
            if upload is None:
                st.caption("No painting uploaded: our example painting is used.")
            elif not thumbnail(style, upload.name):
                return
            styles, preset = (style,), 0
        else:
            count = len(describe(engine).builtin_styles)
            options = [*range(count), *learned_styles()]  # the styles learned in this session too
            preset = st.selectbox("Built-in style", options, format_func=style_label, key="live_builtin")
            styles = ()
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
            prepared = nst.prepare_style(engine=engine, preset=learned_styles()[preset])
        else:
            prepared = live_style(engine, styles, preset)
        warm_live(engine, side, paint_scale, prepared)
    except nst.NSTError as exc:
        st.error(str(exc))
        return
    stylizer = st.session_state.setdefault("live_stylizer", LiveStylizer())
    settings = nst.Settings(strength / 100, side, preserve, True)
    stylizer.configure(load_engine(engine), prepared, settings, steady=steady, paint_scale=paint_scale)
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
    choices = Choices(strength, side, preserve, None, ())
    if st.button("Snapshot: download this frame at full resolution", key="snapshot"):
        frame = stylizer.snapshot()
        if frame is None or not context.state.playing:
            st.warning("Start the camera first; the snapshot is the frame it shows.")
        else:
            size = max(frame.shape[:2])
            snapshot = images.encode(images.from_array(frame.astype(np.float32) / 255.0), "PNG")
            shot_choices = dataclasses.replace(choices, size=size)
            run(snapshot, "snapshot.png", [(s, "style") for s in styles], engine, shot_choices, preset)
    if "result" in st.session_state and st.session_state["result"][2] == "snapshot.png":
        show_result(*st.session_state["result"])


@st.fragment(run_every=1.0)
def live_stats(stylizer: LiveStylizer, playing: bool) -> None:
    """The stream's frame rate and latency, refreshed every second while it plays."""
    stats = stylizer.stats()
    if playing and stats.frames:
        st.caption(f"Live: {stats.fps:.1f} frames/s, {stats.latency * 1000:.0f} ms per frame", help=None)
    elif playing:
        st.caption("Live: connecting...")


def scroll_into_view(key: str) -> None:
    """Scroll the page so the container with ``key`` is in view (a finished result below the fold);
    again after 0.4 and 1.2 s, since the progress bar going and the pictures loading move it."""
    go = f"document.querySelector('.st-key-{key}')?.scrollIntoView({{block: 'start'}})"
    st.html(
        f"<script>{go}; setTimeout(() => {go}, 400); setTimeout(() => {go}, 1200);</script>",
        unsafe_allow_javascript=True,
    )


if __name__ == "__main__":
    main()
