"""What a browser session keeps between runs, typed: results, the chosen style, learned styles.

Widgets keep their own values under their keys; everything else lives in one :class:`AppState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from nst.styles.learned import LearnedStyle


@dataclass(frozen=True)
class Picture:
    """An input as the user gave it: its bytes and its file name."""

    data: bytes
    name: str


@dataclass(frozen=True)
class PhotoResult:
    """A finished (or cancelled) picture: PNG bytes, size, seconds, the photo it was made from,
    and what made it, for its caption."""

    png: bytes
    size: tuple[int, int]
    seconds: float
    photo: Picture
    caption: str


@dataclass(frozen=True)
class VideoResult:
    data: bytes  # MP4
    name: str  # the uploaded clip's name
    size: tuple[int, int]
    frames: int
    seconds: float
    caption: str


@dataclass
class AppState:
    """Everything a session keeps between runs besides the widgets' values."""

    result: PhotoResult | None = None  # the photo page's latest result
    partial: PhotoResult | None = None  # an optimizer's best so far, kept when Cancel stops it
    video: VideoResult | None = None
    snapshot: PhotoResult | None = None  # the live page's full-resolution snapshot
    learned: dict[str, LearnedStyle] = field(default_factory=dict)  # this session's own styles, by name
    learn_partial: LearnedStyle | None = None  # the best style so far while learning
    style: int | str = 0  # the chosen built-in style (index) or learned style (name)
    engine: str | None = None  # the chosen engine, kept across pages (a widget's own value is not)
    use_example: bool = False
    scroll_to: str | None = None  # a part of the page to bring into view on the next run


def app_state() -> AppState:
    """This session's state (made on its first run)."""
    return st.session_state.setdefault("app", AppState())


def chosen_preset() -> int | LearnedStyle:
    """The style picked in the gallery: a built-in style's number, or a learned style."""
    state = app_state()
    if isinstance(state.style, str):
        return state.learned.get(state.style, 0)
    return state.style
