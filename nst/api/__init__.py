"""The Python API: rendering (:mod:`.rendering`), the built-in styles' gallery (:mod:`.gallery`),
model export (:mod:`.export`), learned styles (:mod:`.learning`) and previews (:mod:`.previews`). Every call builds or
takes a :class:`nst.request.model.Request`, so its checks are the CLI's and the service's."""

from nst.api.export import export_models
from nst.api.gallery import builtin_label, builtin_styles, preset_gallery, preset_sheet
from nst.api.learning import (
    MAX_LEARN_PHOTOS,
    VIDEO_FRAMES,
    add_style,
    learn_style,
    learned_styles,
    learning_photos,
    remove_style,
)
from nst.api.previews import preview
from nst.api.rendering import (
    StyleInput,
    load_mask,
    prepare,
    prepare_style,
    prepared_styles,
    render,
    render_array,
    run,
    stylize,
)

__all__ = [
    "MAX_LEARN_PHOTOS",
    "VIDEO_FRAMES",
    "StyleInput",
    "add_style",
    "builtin_label",
    "builtin_styles",
    "export_models",
    "learn_style",
    "learned_styles",
    "learning_photos",
    "load_mask",
    "prepare",
    "preview",
    "prepare_style",
    "prepared_styles",
    "preset_gallery",
    "preset_sheet",
    "remove_style",
    "render",
    "render_array",
    "run",
    "stylize",
]
