"""What several pages show: the layout's CSS, input thumbnails, the style gallery, the progress
panel, the result with its downloads and views, and the one-line errors."""

from __future__ import annotations

import base64
import dataclasses
import logging
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import streamlit as st
from PIL import Image

import nst
from nst.api import builtin_label
from nst.app.backend import backend, gallery_tiles, learned_tile
from nst.app.state import PhotoResult, Picture, VideoResult, app_state
from nst.engines import default_engine, describe, engine_names
from nst.io import images
from nst.io.examples import example_painting, example_photo

UPLOAD_TYPES = list(images.INPUT_SUFFIXES)  # phone formats (HEIC, AVIF) too
SIZES = [256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 5120, 6144]  # up to nst's largest output
BRUSHES = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
THUMB = 160  # px: an input's thumbnail
GALLERY_COLUMNS = 4
BEFORE_AFTER_SIDE = 1280  # px on the long side: enough for any screen, small enough to send inline
PHONE = "(max-width: 640px)"  # where Streamlit stacks columns

# The settings and the result side by side on a desktop, the result's column staying in view
# (its pictures no taller than the window) while the user scrolls the settings; on a phone
# (stacked columns) the result column comes first, so after Stylize the user sees the result,
# not their own photo. The gallery keeps its rows on a phone (row-major order, tiles shrunk
# rather than stretched). A part scrolled into view stops below Streamlit's top bar.
LAYOUT_CSS = f"""<style>
@media {PHONE} {{
  .st-key-workspace [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-outcome) {{
    flex-direction: column-reverse;
  }}
}}
.st-key-gallery [data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap !important; gap: 0.5rem; }}
.st-key-gallery [data-testid="stColumn"] {{ min-width: 0 !important; width: auto !important; flex: 1 1 0 !important; }}
.st-key-gallery button p {{ font-size: 0.75rem; }}
.st-key-outcome, .st-key-progress, .st-key-result {{ scroll-margin-top: 4.5rem; }}
@media (min-width: 641px) {{
  .st-key-workspace [data-testid="stColumn"]:has(.st-key-outcome) {{
    position: sticky; top: 4rem; align-self: flex-start;
  }}
  .st-key-result img, .st-key-progress img {{ max-height: calc(100vh - 15rem); width: auto; object-fit: contain; }}
}}
</style>"""


def page_start(title: str) -> None:
    """Each page's first lines: the shared CSS and the page's heading."""
    st.html(LAYOUT_CSS)
    st.header(title)


def models_here(what: str) -> bool:
    """Whether the models run in this process; if not (a style server), a notice that ``what``
    is done only where the models are."""
    if backend().remote:
        st.info(f"{what} where the models are; this app sends photos to a style server.")
        return False
    return True


@st.cache_data(max_entries=4, show_spinner=False)
def example_bytes() -> tuple[bytes, bytes]:
    return images.encode(example_photo(), "PNG"), images.encode(example_painting(), "PNG")


def thumbnail(picture: Picture, caption: str | None = None, side: int = THUMB) -> bool:
    """Show an input small (captioned with its name, or ``caption``), or its one-line error;
    returns whether it is usable."""
    try:
        image = nst.api.preview(picture.data, side, name=picture.name)  # decoded one at a time, as small as shown
    except nst.ImageError as exc:
        st.error(str(exc))
        return False
    st.image(image, caption=caption or f"{picture.name} ({image.width}x{image.height} shown)", width="content")
    return True


def style_labels(styles: Sequence[Picture]) -> list[str]:
    """A label per style image that tells them apart, even two uploads of the same name."""
    return [f"{i + 1}. {s.name}" for i, s in enumerate(styles)]


def style_thumbnails(styles: Sequence[Picture]) -> list[bool]:
    """The style images in a row of small thumbnails (four to a row), numbered as the blend sliders."""
    usable = []
    labels = style_labels(styles)
    for start in range(0, len(styles), 4):
        for column, picture, label in zip(
            st.columns(4), styles[start : start + 4], labels[start : start + 4], strict=False
        ):
            with column:
                usable.append(thumbnail(picture, label, side=120))
    return usable


def style_label(value: Any) -> str:
    """A built-in style's number and name, or a learned style's name."""
    if isinstance(value, str):
        return f"{value} (yours)"
    if hasattr(value, "code"):
        return f"{value.name} (yours)"
    return builtin_label(value)


def pick_style(key: int | str) -> None:
    """Choose a built-in or learned style, and the engine that paints it."""
    state = app_state()
    state.style, state.engine = key, default_engine("builtin")
    st.session_state.pop("engine", None)  # the engine menu starts again from state.engine


def gallery(photo: bytes | None) -> None:
    """Every built-in style (and the session's learned ones) on the user's photo or our
    example, in rows of four; a click picks one."""
    if not st.toggle("Show the built-in styles", key="show_gallery"):
        return
    content = photo if photo is not None else example_bytes()[0]
    try:
        tiles = gallery_tiles(content)
    except nst.NSTError as exc:  # a style server that is down or busy
        st.error(str(exc))
        return
    state = app_state()
    yours = [(name, learned_tile(content, style.digest, style)) for name, style in state.learned.items()]
    entries: list[tuple[int | str, bytes]] = [*enumerate(tiles), *yours]
    with st.container(key="gallery"):
        for start in range(0, len(entries), GALLERY_COLUMNS):
            row = entries[start : start + GALLERY_COLUMNS]
            for column, (key, tile) in zip(st.columns(GALLERY_COLUMNS), row, strict=False):
                with column:
                    st.image(tile, width="stretch")  # 200 px tiles, shrunk to the column, never enlarged
                    chosen = state.style == key
                    st.button(
                        f"{'✓ ' if chosen else ''}{style_label(key)}", key=f"builtin_style_{key}",
                        on_click=pick_style, args=(key,), type="primary" if chosen else "secondary", width="stretch",
                    )  # fmt: skip


def option_widgets(engine: str) -> dict[str, Any]:
    """A slider for each of the engine's options that declares a slider range."""
    options_type = describe(engine).options_type
    if options_type is None:
        return {}
    values = {}
    for field in dataclasses.fields(options_type):
        if "slider" in field.metadata:
            low, high, step = field.metadata["slider"]
            label = field.name.replace("_", " ").capitalize()
            values[field.name] = st.slider(label, low, high, field.default, step=step, key=field.name)
    return values


def engine_choice(engines: list[str]) -> str:
    """The engines this server can run, each described, the session's choice kept across pages;
    why the others cannot run, in a caption."""
    state = app_state()
    if state.engine not in engines:
        state.engine = engines[0]

    def remember() -> None:
        state.engine = st.session_state["engine"]

    described = "\n\n".join(f"**{name}**: {describe(name).description}" for name in engines)
    engine = st.selectbox(
        "Engine", engines, index=engines.index(state.engine), key="engine", help=described, on_change=remember
    )
    state.engine = engine
    st.caption(describe(engine).description)
    for name in engine_names():
        problem = backend().problem(name)
        if problem is not None:
            st.caption(f"{name} unavailable: {problem}")
    return engine


def available_engines(where: Callable[[Any], bool] = lambda e: True) -> list[str]:
    return [n for n in engine_names() if where(describe(n)) and backend().problem(n) is None]


class ProgressPanel:
    """Progress, the best picture so far and Cancel, together where the result will be, scrolled
    into view as the work starts; gone when it ends."""

    def __init__(self, cancel_label: str | None, cancel_key: str):
        with st.container(key="progress"):
            self.notice, self.cancel, self.bar, self.preview = st.empty(), st.empty(), st.empty(), st.empty()
        if cancel_label is not None:
            self.cancel.button(cancel_label, key=cancel_key)
        self.notice.info("Starting...")
        scroll_into_view("progress")

    def queued(self, position: int) -> None:
        self.notice.info(f"Queued: {position} in line. Your picture starts as soon as the server is free.")

    def status(self, text: str) -> None:
        self.notice.info(text)

    def clear(self) -> None:
        for placeholder in (self.notice, self.cancel, self.bar, self.preview):
            placeholder.empty()


def time_left(p: nst.Progress) -> str:
    return f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""


def before_after(original: Image.Image, result: Image.Image) -> str:
    """The result over the photo with a line to drag (a range input, so touch and keys work too);
    a few lines of HTML and CSS, no external script, so it works offline."""
    shown = images.fit(result, BEFORE_AFTER_SIDE)
    photo = original.resize(shown.size, Image.Resampling.LANCZOS)

    def uri(image: Image.Image) -> str:
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


@st.cache_data(max_entries=8, show_spinner=False)
def as_jpeg(png: bytes) -> bytes:
    return images.encode(images.load_image(png), "JPEG", quality=92)


def show_result(result: PhotoResult) -> None:
    """The result with the downloads right under its heading, and a view switch so a phone
    compares the photo and the result in one place."""
    width, height = result.size
    with st.container(key="result"):
        st.subheader("Result")
        st.caption(f"{width}x{height} px in {result.seconds:.1f} s ({result.caption})")
        stem = Path(result.photo.name).stem or "image"
        a, b, view = st.columns([1, 1, 3], vertical_alignment="center")
        a.download_button("Download PNG", result.png, f"{stem}_stylized.png", "image/png", key="download_png")
        b.download_button(
            "Download JPEG", as_jpeg(result.png), f"{stem}_stylized.jpg", "image/jpeg", key="download_jpg"
        )
        shown = view.segmented_control(
            "View", ["Result", "Before/after", "Both", "Photo"], default="Result",
            key="result_view", label_visibility="collapsed",
        )  # fmt: skip
        original = nst.api.preview(result.photo.data, max(result.size))  # at the result's size
        if shown == "Before/after":
            st.html(before_after(original, images.load_image(result.png)), unsafe_allow_javascript=True)
            st.caption("Drag across the picture: the photo on the left of the line, the result on the right.")
        elif shown == "Both":
            before, after = st.columns(2)
            before.image(original, caption="Original", width="content")
            after.image(result.png, caption="Stylized", width="content")
        elif shown == "Photo":
            st.image(original, caption="Original", width="content")
        else:
            st.image(result.png, caption="Stylized", width="content")  # never stretched past its own size


def show_video(result: VideoResult) -> None:
    with st.container(key="result"):
        st.subheader("Result")
        width, height = result.size
        st.caption(f"{width}x{height} px, {result.frames} frames in {result.seconds:.0f} s ({result.caption})")
        stem = Path(result.name).stem or "video"
        st.download_button("Download MP4", result.data, f"{stem}_stylized.mp4", "video/mp4", key="download_mp4")
        st.video(result.data)


def settings_caption(engine: str, style: str | None, strength: float, brush: float) -> str:
    """What a result was made with: the engine, the built-in or learned style, strength and brush."""
    named = f" ({style})" if style else ""
    return f"{engine}{named}, strength {round(strength * 100)} %, brush {brush:g}x"


def unexpected_error() -> None:
    """Never a traceback on the page: the error is logged with a reference the user can quote."""
    reference = uuid.uuid4().hex[:8]
    logging.getLogger("nst.app").exception("unexpected error, reference %s", reference)
    st.error(f"Something went wrong on our side (reference {reference}). Please try again.")


def scroll_into_view(key: str) -> None:
    """Scroll the page so the container with ``key`` is in view: now, as each of its pictures
    loads, and after 0.4 and 1.2 s, since the progress bar going and the pictures loading move
    it. Each call's script is new (a nonce), or the browser would keep the last run's element
    and not run it again."""
    target = f"document.querySelector('.st-key-{key}')"
    go = f"{target}?.scrollIntoView({{block: 'start'}})"
    on_load = (
        f"{target}?.querySelectorAll('img').forEach((i) => i.addEventListener('load', () => {go}, {{once: true}}))"
    )
    st.html(
        f"<script>/* {uuid.uuid4().hex} */ {go}; {on_load}; setTimeout(() => {go}, 400); "
        f"setTimeout(() => {{ {go}; {on_load}; }}, 1200);</script>",
        unsafe_allow_javascript=True,
    )


def scroll_if_asked(key: str) -> None:
    """Bring ``key`` into view if the last run asked for it (a result that just finished)."""
    state = app_state()
    if state.scroll_to == key:
        state.scroll_to = None
        scroll_into_view(key)
