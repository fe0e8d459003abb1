"""Neural style transfer: ``nst.stylize(content, style)`` returns a stylized PIL image.

Prepare a style once and render many pictures with it: ``nst.prepare_style(...)`` then
``nst.render(content, style, nst.Settings(...))``. Importing this package loads no model and no
TensorFlow; engines load on first use.
"""

import os

# TensorFlow's C++ start-up notices (CUDA probes, oneDNN) are noise for our users; a caller
# who wants them sets the variable first. Must happen before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from nst.api import (
    add_style,
    builtin_styles,
    learn_style,
    learned_styles,
    prepare_style,
    preset_gallery,
    preset_sheet,
    remove_style,
    render,
    stylize,
)
from nst.engines import engine_names, get_engine
from nst.engines.contract import PreparedStyle, Settings
from nst.errors import EngineUnavailable, ImageError, NSTError, OptionError, VideoError
from nst.io.images import encode, load_image, save
from nst.runtime.progress import Cancelled, CancelToken, Progress
from nst.styles.learned import LearnedStyle
from nst.video import stylize_video

__all__ = [
    "CancelToken",
    "Cancelled",
    "EngineUnavailable",
    "ImageError",
    "LearnedStyle",
    "NSTError",
    "OptionError",
    "PreparedStyle",
    "Progress",
    "Settings",
    "VideoError",
    "add_style",
    "builtin_styles",
    "encode",
    "engine_names",
    "get_engine",
    "learn_style",
    "learned_styles",
    "load_image",
    "prepare_style",
    "preset_gallery",
    "preset_sheet",
    "remove_style",
    "render",
    "save",
    "stylize",
    "stylize_video",
]
