"""Photo: a photo and a painting (or a built-in style) in, the painted photo out. The settings on
the left, the progress and the result on the right (first, on a phone)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas

import nst
from nst.api import builtin_label
from nst.app.backend import backend, stylize_once
from nst.app.parts import (
    BRUSHES,
    SIZES,
    UPLOAD_TYPES,
    ProgressPanel,
    available_engines,
    engine_choice,
    example_bytes,
    gallery,
    option_widgets,
    page_start,
    scroll_if_asked,
    settings_caption,
    show_result,
    style_label,
    style_labels,
    style_thumbnails,
    thumbnail,
    time_left,
    unexpected_error,
)
from nst.app.state import PhotoResult, Picture, app_state, chosen_preset
from nst.engines import default_engine, describe
from nst.io import images
from nst.ops.masks import DEFAULT_FEATHER
from nst.request.model import Request

CANVAS_WIDTHS = [300, 440]  # px: the smaller fits a phone's column, the larger the desktop's


def photo_input() -> tuple[Picture | None, bool]:
    """The photo (upload, camera or our example) shown small; and whether it can be used."""
    state = app_state()
    st.subheader("1. Your photo")
    shot = None
    if st.toggle("Take a photo with the camera", key="use_camera"):
        shot = st.camera_input("Camera", key="camera")
        st.caption(
            "The camera here gives a picture the size of its preview (about 640x480). For your camera's full "
            "resolution, take the photo with its own app and upload it."
        )
    upload = st.file_uploader("Photo", type=UPLOAD_TYPES, key="content_upload", label_visibility="collapsed")
    if st.button("No pictures at hand? Try our example", key="example"):
        state.use_example = True
    if upload is not None or shot is not None or st.session_state.get("style_upload"):
        state.use_example = False
    photo: Picture | None
    if state.use_example:
        photo = Picture(example_bytes()[0], "example.png")
    else:
        source = shot if shot is not None else upload
        photo = Picture(source.getvalue(), source.name) if source is not None else None
    return photo, photo is not None and thumbnail(photo)


def style_input() -> tuple[list[Picture], list[Picture]]:
    """The style images given, and those that can be used (shown small, numbered)."""
    st.subheader("2. Style")
    uploads = st.file_uploader(
        "Paintings", type=UPLOAD_TYPES, accept_multiple_files=True, key="style_upload", label_visibility="collapsed"
    )
    if app_state().use_example:
        styles = [Picture(example_bytes()[1], "example painting")]
    else:
        styles = [Picture(f.getvalue(), f.name) for f in uploads or []]
    usable = style_thumbnails(styles) if styles else []
    return styles, [s for s, ok in zip(styles, usable, strict=True) if ok]


def regions(photo: Picture | None, style_count: int, engine: str) -> tuple[bytes | None, float, int | None]:
    """Regional styles: a mask painted on the photo or uploaded (white: inside), its feather, and
    the built-in style outside; (None, ...) when off. The first style paints the inside; outside,
    the second style image or the chosen built-in style, else the photo as it is."""
    if photo is None:
        return None, DEFAULT_FEATHER, None
    with st.expander("Regions: paint part of the photo in another style (or keep it as the photo)"):
        if not st.toggle("Style by region", key="regions_on"):
            return None, DEFAULT_FEATHER, None
        if not describe(engine).paints_regions and style_count > 1:
            st.caption(f"{engine} paints one region; the outside keeps the photo.")
        source = st.segmented_control(
            "Mark the region", ["Paint it", "Upload a mask"], default="Paint it", key="region_source"
        )
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
            help="300 fits a phone; the wider canvas is easier to paint on a large screen.",
        )  # fmt: skip
        original_size = images.image_size(photo.data)
        tall = max(canvas, -(-canvas * original_size[1] // original_size[0]))  # the canvas's height, rounded up
        shown = nst.api.preview(photo.data, tall)
        shown = shown.resize((canvas, max(16, round(shown.height * canvas / shown.width))), Image.Resampling.LANCZOS)
        brush = st.slider("Brush", 5, 100, 25, key="region_brush")
        drawn = st_canvas(
            stroke_width=brush, stroke_color="rgba(255, 64, 160, 0.6)", background_image=shown,
            width=shown.width, height=shown.height, drawing_mode="freedraw", return_image_data=True,
            key="region_canvas",
        )  # fmt: skip
        alpha = drawn.image_data[..., 3] if drawn is not None and drawn.image_data is not None else None
        if alpha is None or not alpha.any():
            st.caption("Paint over the part of the photo that gets the inside style.")
            return None, feather, outside
        painted = Image.fromarray(np.where(alpha > 0, 255, 0).astype(np.uint8), "L")
        # at the photo's own size, so the canvas's rounding never changes the shape
        return images.encode(painted.resize(original_size, Image.Resampling.BILINEAR)), feather, outside


def kept_size_note(request: Request) -> str:
    """What the result's size is when the photo is smaller than the size asked for."""
    smaller = request.smaller_photo()
    if smaller is None:
        return ""
    width, height = smaller
    if request.upscale:
        return f"; your {width}x{height} photo was enlarged to {request.size} px"
    return f"; your photo is {width}x{height}, so it kept its size: turn on 'Enlarge' for {request.size} px"


def missing(photo: Picture | None, photo_ok: bool, styles: list[Picture], usable: int, uses_images: bool) -> str:
    """Why Stylize cannot start yet, in one line ('' when it can)."""
    style_missing = uses_images and usable == 0
    if photo is None and style_missing and not styles:
        return "Add a photo and at least one style image first (or try the example)."
    if photo is None:
        return "Add a photo first (or try the example)."
    if not photo_ok:
        return f"{photo.name} cannot be used (see why under it); choose another photo."
    if style_missing and styles:
        return "None of your style images can be used (see why under each); choose another painting."
    if style_missing:
        return "Add at least one style image first, or pick a built-in style in the gallery."
    return ""


def page() -> None:
    page_start("Stylize a photo")
    state = app_state()
    if st.session_state.get("cancel") and state.partial is not None:
        state.result, state.partial = state.partial, None
    with st.container(key="workspace"):
        left, right = st.columns([2, 3], gap="large")
    with left:
        photo, photo_ok = photo_input()
        given, styles = style_input()
        if given and not describe(state.engine or default_engine("images")).takes_images:
            painters = ", ".join(available_engines(lambda e: e.takes_images))
            st.warning(f"Not in use while a built-in style is chosen; pick one of these engines for them: {painters}.")
        gallery(photo.data if photo is not None and photo_ok else None)
        st.subheader("3. Settings")
        engine = engine_choice(available_engines())
        uses_images = describe(engine).takes_images
        mask, feather, outside = regions(photo if photo_ok else None, len(styles), engine)
        with st.form("settings", border=True):
            if not uses_images:
                st.caption(f"Built-in style: {style_label(chosen_preset())} (pick another in the gallery)")
            strength = st.slider("Style strength (%)", 0, 100, 100, step=5, key="strength")
            size = st.select_slider("Output size (long side, px)", SIZES, value=1024, key="size")
            upscale = st.toggle(
                "Enlarge a smaller photo to this size", key="upscale",
                help="Off: a photo smaller than the output size keeps its own size. On: it is enlarged "
                "(bicubic) before painting, so the result has the size you chose.",
            )  # fmt: skip
            brush = st.select_slider(
                "Brush size", BRUSHES, value=1.0, format_func=lambda b: f"{b:g}x", key="stroke_scale",
                help="1x paints strokes as large, for the picture, as a 1024 px result, whatever the output "
                "size (a 4K print looks like the preview, only sharper); 2x twice as large, 0.5x half.",
            )  # fmt: skip
            preserve = st.toggle("Keep original colours", key="preserve_color")
            options = option_widgets(engine)
            weights = None
            if len(styles) > 1 and uses_images and mask is None:
                st.write("Blend")
                labels = style_labels(styles)
                weights = tuple(
                    float(st.slider(label, 0, 100, 50, key=f"weight_{i}")) for i, label in enumerate(labels)
                )
            submitted = st.form_submit_button("Stylize", type="primary")
    with right, st.container(key="outcome"):
        if submitted:
            problem = missing(photo, photo_ok, given, len(styles), uses_images)
            if problem:
                st.error(problem)
            else:
                assert photo is not None
                preset: Any = None
                style_name = None
                if not uses_images:
                    preset = chosen_preset()
                    style_name = style_label(preset)
                    if mask is not None and outside is not None:
                        preset = [preset, outside]  # inside, outside
                chosen = (styles[:2] if mask is not None else styles) if uses_images else []  # inside, outside
                if uses_images:
                    style_name = chosen[0].name if len(chosen) == 1 else f"{len(chosen)} styles"
                try:
                    request = Request(
                        content=photo.data, content_name=photo.name, styles=tuple(s.data for s in chosen),
                        style_names=tuple(s.name for s in chosen),
                        preset=preset, engine=engine, strength=strength / 100, size=size, upscale=upscale,
                        preserve_color=preserve, stroke_scale=float(brush), weights=weights, mask=mask, feather=feather,
                        options=options or None,
                    )  # fmt: skip
                except nst.NSTError as exc:
                    st.error(str(exc))
                else:
                    caption = settings_caption(engine, style_name, strength / 100, float(brush))
                    caption += ", original colours" if preserve else ""
                    run(request, photo, caption + kept_size_note(request))
        if state.result is not None:
            show_result(state.result)
            scroll_if_asked("result")
        elif not submitted:
            st.caption("Your result appears here.")


def run(request: Request, photo: Picture, caption: str) -> None:
    """One stylization with a queue notice and a progress bar where the result will be; an
    engine that optimizes also shows its best picture so far, and Cancel keeps it."""
    state = app_state()
    runner = backend().runner(request.engine or "")
    if runner is not None and runner.note:
        st.caption(runner.note)
    iterative = runner is not None and runner.iterative
    panel = ProgressPanel("Cancel (keep the best image so far)" if iterative else None, "cancel")
    state.partial = None

    def progress(p: nst.Progress) -> None:
        if p.single:
            return
        stage = f" at {p.stage}" if p.stage else ""
        panel.bar.progress(p.fraction, text=f"{p.unit.capitalize()} {p.done}/{p.total}{stage}{time_left(p)}")
        panel.notice.empty()
        if p.preview is not None:
            png = images.encode(images.from_array(p.preview), "PNG")
            panel.preview.image(png, caption=f"Best so far ({p.unit} {p.done})", width=480)
            note = f"cancelled at {p.unit} {p.done} of {p.total}; the best image so far"
            state.partial = PhotoResult(png, (p.preview.shape[1], p.preview.shape[0]), p.seconds, photo, note)

    try:
        with st.spinner("Stylizing..."):
            png, size, seconds = stylize_once(request, on_queue=panel.queued, progress=progress)
        state.result = PhotoResult(png, size, seconds, photo, caption)
        state.scroll_to = "result"
        state.partial = None
    except nst.NSTError as exc:
        state.result = state.partial = None
        st.error(str(exc))
    except Exception:
        state.result = state.partial = None
        unexpected_error()
    finally:  # also when Cancel interrupts the run: the partial result then stays for the next run
        panel.clear()


if __name__ == "__main__":
    page()
