"""The Streamlit web app: ``streamlit run app.py``. This entry declares the pages; each page is
one task (``nst/app/pages``) over shared parts (``nst/app``), and names no engine."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit_webrtc  # noqa: F401  before TensorFlow, which the pages load: see tests/conftest.py

import nst
import nst.app.pages
from nst.config import config

PAGES = Path(nst.app.pages.__file__).parent


def main() -> None:
    st.set_page_config(page_title="Neural style transfer", page_icon="🎨", layout="wide")
    try:
        config()  # a bad NST_* variable: one line for the host, not a broken page later
    except nst.NSTError as exc:
        st.error(str(exc))
        return
    page = st.navigation(
        [
            st.Page(PAGES / "photo.py", title="Photo", icon=":material/image:", default=True),
            st.Page(PAGES / "video.py", title="Video", icon=":material/movie:"),
            st.Page(PAGES / "live.py", title="Live camera", icon=":material/videocam:"),
            st.Page(PAGES / "styles.py", title="Your styles", icon=":material/palette:"),
        ],
        position="top",
    )
    page.run()


if __name__ == "__main__":
    main()
