"""Strength in pixels: a result faded toward the photo (NumPy arrays or tensors alike)."""

from __future__ import annotations


def fade(out, content, strength):
    """``strength`` of ``out`` and the rest of ``content``: 1 gives ``out``, 0 the photo."""
    return strength * out + (1.0 - strength) * content
