"""Full-resolution inference in tiles, with memory bounded by the tile size, not the image.

Instance normalization needs statistics of the whole image, which a tile alone does not
have. So the network first runs on a downscaled copy and reports every norm layer's
statistics; then each tile (with a margin wider than the network's receptive field) is
processed with those same statistics. Every tile is normalized alike, so there are no seams:
the stitched result equals one full pass that used those statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from PIL import Image

TILE = 1536  # interior side of a tile, px (a multiple of 4)
MARGIN = 64  # context on each side, px (a multiple of 4; tiles are exact from 64 on, tested)
STATS_PIXELS = 2048 * 2048  # the statistics pass sees at most this many pixels
FULL_PASS_PIXELS = 2560 * 2560  # larger images go through tiles


def tiles(
    height: int, width: int, tile: int = TILE, margin: int = MARGIN
) -> Iterator[tuple[slice, slice, slice, slice]]:
    """(crop rows, crop cols, interior rows within crop, interior cols within crop) per tile.

    Crops start on multiples of 4, so every tile sees the strided layers' grid as the full
    image does.
    """
    for y in range(0, height, tile):
        for x in range(0, width, tile):
            y0, x0 = max(0, y - margin), max(0, x - margin)
            y1, x1 = min(height, y + tile + margin), min(width, x + tile + margin)
            inner_h, inner_w = min(tile, height - y), min(tile, width - x)
            yield (
                slice(y0, y1),
                slice(x0, x1),
                slice(y - y0, y - y0 + inner_h),
                slice(x - x0, x - x0 + inner_w),
            )


def downscaled(pixels: np.ndarray, max_pixels: int = STATS_PIXELS) -> np.ndarray:
    """A copy with at most ``max_pixels`` (area-average resampling), for the statistics pass."""
    h, w = pixels.shape[:2]
    scale = min(1.0, (max_pixels / (h * w)) ** 0.5)
    size = (max(32, round(w * scale)), max(32, round(h * scale)))
    channels = [  # float32 planes resample exactly in PIL's "F" mode
        np.asarray(Image.fromarray(np.ascontiguousarray(pixels[..., c], np.float32)).resize(size, Image.BOX))
        for c in range(pixels.shape[2])
    ]
    return np.stack(channels, axis=-1)


def tiled_apply(
    pixels: np.ndarray, run_tile: Callable[[np.ndarray], np.ndarray], tile: int = TILE, margin: int = MARGIN
) -> np.ndarray:
    """Apply ``run_tile`` (HxWx3 float to same-size HxWx3 float) tile by tile; stitch interiors."""
    height, width = pixels.shape[:2]
    out = np.empty((height, width, 3), np.float32)
    for rows, cols, inner_rows, inner_cols in tiles(height, width, tile, margin):
        result = run_tile(pixels[rows, cols])
        out[rows, cols][inner_rows, inner_cols] = result[inner_rows, inner_cols]
    return out


class TiledRunner:
    """One transformer in its three norm plans, run in one pass or in tiles by image size.

    ``build(mode)`` returns the Keras model for a :class:`~nst.layers.NormPlan` mode; the
    tiled variants are built on first need. Thread-safe.
    """

    def __init__(self, build: Callable[[str], object]):
        import threading

        from nst.tf_runtime import import_tensorflow

        self._tf = import_tensorflow()
        self._build = build
        self._lock = threading.Lock()
        self._models: dict[str, object] = {}
        self._functions: dict[str, Callable] = {}
        self.model("measure")

    def model(self, mode: str):
        with self._lock:
            if mode not in self._models:
                model = self._build(mode)
                self._models[mode] = model
                self._functions[mode] = self._tf.function(
                    lambda inputs, m=model: m(inputs, training=False), reduce_retracing=True
                )
            return self._models[mode]

    def _call(self, mode: str, inputs: list) -> list | np.ndarray:
        self.model(mode)
        out = self._functions[mode](inputs)
        return (
            [np.asarray(o, np.float32) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out, np.float32)
        )

    def batch(self, pixels: np.ndarray, condition: np.ndarray) -> np.ndarray:
        """One full pass over a batch NxHxWx3 (small images: galleries, tests)."""
        from nst.images import pad_to_multiple

        h, w = pixels.shape[1:3]
        padded = np.stack([pad_to_multiple(p) for p in pixels])
        return self._call("measure", [padded, condition.astype(np.float32)])[:, :h, :w]

    def __call__(self, pixels: np.ndarray, condition: np.ndarray) -> np.ndarray:
        """Stylize one HxWx3 float image; ``condition`` is the 1xD style input."""
        from nst.images import pad_to_multiple

        height, width = pixels.shape[:2]
        condition = condition.astype(np.float32)
        if height * width <= FULL_PASS_PIXELS:
            return self.batch(pixels[None], condition)[0]
        stats = self._call("report", [pad_to_multiple(downscaled(pixels))[None], condition])

        def run_tile(tile: np.ndarray) -> np.ndarray:
            h, w = tile.shape[:2]
            return self._call("given", [pad_to_multiple(tile)[None], condition, *stats])[0, :h, :w]

        return tiled_apply(pixels, run_tile)
