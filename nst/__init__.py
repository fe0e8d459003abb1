"""Neural style transfer: ``nst.stylize(content, style)`` returns a stylized PIL image.

Importing this package loads no model and no TensorFlow; engines load on first use.
"""

import os

# TensorFlow's C++ start-up notices (CUDA probes, oneDNN) are noise for our users; a caller
# who wants them sets the variable first. Must happen before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from nst.api import preset_gallery, preset_sheet, stylize
from nst.engines import engine_names, get_engine
from nst.errors import EngineUnavailable, ImageError, NSTError, OptionError
from nst.images import encode, load_image, save

__all__ = [
    "EngineUnavailable",
    "ImageError",
    "NSTError",
    "OptionError",
    "encode",
    "engine_names",
    "get_engine",
    "load_image",
    "preset_gallery",
    "preset_sheet",
    "save",
    "stylize",
]
