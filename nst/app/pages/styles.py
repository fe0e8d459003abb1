"""Your styles: learn a painting as a new fast style in minutes, add a style file from an earlier
visit, download the ones made here. Each visitor's styles are their own (this session's)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import nst
from nst.app.parts import (
    UPLOAD_TYPES,
    ProgressPanel,
    example_bytes,
    models_here,
    page_start,
    pick_style,
    thumbnail,
    unexpected_error,
)
from nst.app.state import Picture, app_state
from nst.io import images
from nst.styles.learned import LearnedStyle

LEARN_TIMES = {"Quick (about 1 minute)": 50, "Best (about 3 minutes)": 150}  # steps on this 2-core server
MAX_PHOTOS = 6


def keep(style: LearnedStyle, how: str) -> None:
    """A learned style into this session's styles, chosen for the photo page."""
    app_state().learned[style.name] = style
    pick_style(style.name)
    st.success(f"{style.name}: {how}. It is chosen on the Photo page and in its gallery.")


def default_name(painting: Picture) -> str:
    stem = Path(painting.name).stem.replace("_", " ").strip() or "My style"
    name = "".join(c for c in stem if c.isalnum() or c in " -")[:40].strip() or "My style"
    return name if name[:1].isalpha() else f"Style {name}"


def learn(painting: Picture, photos: list[Picture], name: str, steps: int) -> None:
    state = app_state()
    panel = ProgressPanel("Cancel (keep the best so far)", "learn_cancel")
    panel.status("Preparing: loading the network that judges the style and cropping your photos...")
    state.learn_partial = None

    def progress(p: nst.Progress) -> None:
        if p.done == 0:
            panel.status(f"Preparing: {p.stage or 'the first step'}...")
            return
        left = f", about {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
        losses = ", ".join(f"{k} loss {v:.3g}" for k, v in p.losses.items())
        panel.notice.empty()
        panel.bar.progress(p.fraction, text=f"Learning: step {p.done}/{p.total}{left} ({losses})")
        if p.preview is not None:
            preview = images.encode(images.from_array(p.preview), "JPEG")
            panel.preview.image(preview, caption="Your photo, so far", width=384)

    def best(style: LearnedStyle) -> None:
        state.learn_partial = style

    try:
        style = nst.learn_style(
            painting.data, [p.data for p in photos], name=name, steps=steps, preview=photos[0].data,
            progress=progress, on_best=best,
        )  # fmt: skip
        state.learn_partial = None
        keep(style, f"learned in {style.settings['seconds'] / 60:.1f} min")
        if style.settings.get("warning"):
            st.warning(style.settings["warning"].capitalize() + ".")
    except nst.NSTError as exc:
        st.error(str(exc))
    except Exception:
        unexpected_error()
    finally:  # a Cancel click interrupts the run here: the partial style stays for the next run
        panel.clear()


def page() -> None:
    page_start("Your styles")
    state = app_state()
    if st.session_state.get("learn_cancel"):
        if state.learn_partial is not None:
            keep(state.learn_partial, "cancelled; kept the best so far")
            state.learn_partial = None
        else:
            st.info("Cancelled before a style was ready; nothing was kept.")
    if models_here("Styles are learned"):
        st.caption(
            "Learn a painting as a new built-in style in minutes, on photos like the ones you will paint: it then "
            "paints at built-in speed (video and live camera too). Download it to keep it."
        )
        left, right = st.columns(2)
        with left:
            st.subheader("The painting")
            painting_upload = st.file_uploader("Painting", type=UPLOAD_TYPES, key="learn_painting",
                                               label_visibility="collapsed")  # fmt: skip
        with right:
            st.subheader(f"Photos to learn on (1 to {MAX_PHOTOS})")
            photo_uploads = st.file_uploader("Photos", type=UPLOAD_TYPES, accept_multiple_files=True,
                                             key="learn_photos", label_visibility="collapsed")  # fmt: skip
        painting: Picture | None
        if painting_upload is None and not photo_uploads and st.toggle("Use our example pictures", key="learn_example"):
            photo_bytes, painting_bytes = example_bytes()
            painting, photos = Picture(painting_bytes, "example painting.png"), [Picture(photo_bytes, "example.png")]
        else:
            painting = Picture(painting_upload.getvalue(), painting_upload.name) if painting_upload else None
            photos = [Picture(f.getvalue(), f.name) for f in (photo_uploads or [])][:MAX_PHOTOS]
        usable = True
        if painting is not None:
            with left:
                usable = thumbnail(painting) and usable
        with right:
            for photo in photos:
                usable = thumbnail(photo, side=96) and usable
        if painting is None or not photos:
            st.caption("Add a painting and at least one photo to learn a style from them.")
        elif usable:
            with st.form("learn_style", border=True):
                name = st.text_input("Name", value=default_name(painting))
                effort = st.segmented_control("Learning time", list(LEARN_TIMES), default=list(LEARN_TIMES)[1])
                go = st.form_submit_button(f"Learn a style from {painting.name}", type="primary")
            if go:
                learn(painting, photos, name, LEARN_TIMES.get(effort or list(LEARN_TIMES)[1], 150))
    st.subheader("Add a style file")
    upload = st.file_uploader("A style file (.nststyle) from an earlier visit", type=["nststyle"], key="style_file")
    if upload is not None and st.session_state.get("style_file_seen") != upload.file_id:
        st.session_state["style_file_seen"] = upload.file_id
        try:
            keep(nst.LearnedStyle.from_bytes(upload.getvalue(), upload.name), "added from your file")
        except nst.NSTError as exc:
            st.error(str(exc))
    if state.learned:
        st.subheader("Made or added here")
        for key, style in state.learned.items():
            a, b = st.columns([3, 2], vertical_alignment="center")
            a.button(f"Use {key}", key=f"use_{style.digest}", on_click=pick_style, args=(key,))
            b.download_button(
                f"Download {key}.nststyle", style.to_bytes(), file_name=f"{key}.nststyle", key=f"save_{style.digest}",
                mime="application/octet-stream",
            )  # fmt: skip


if __name__ == "__main__":
    page()
