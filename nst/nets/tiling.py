"""Full-resolution inference in tiles, with memory bounded by the tile size, not the image.

Instance normalization needs statistics of the whole image, which a tile alone does not
have. So the network first runs on a downscaled copy and reports every norm layer's
statistics; then each tile (with a margin wider than the network's receptive field) is
processed with those same statistics. Every tile is normalized alike, so there are no seams:
the stitched result equals one full pass that used those statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from nst.runtime.progress import CancelToken, ProgressCallback, Reporter, check_cancel


@dataclass(frozen=True)
class Tiling:
    """When and how a picture is processed in tiles. Sides and margins are multiples of 4, so
    every tile sees the strided layers' grid as the full image does."""

    full_pass_pixels: int = 2560 * 2560  # larger pictures go through tiles
    tile: int = 1536  # interior side of a tile, px
    margin: int = 64  # context on each side, px (tiles are exact from 64 on, tested)
    stats_pixels: int = 2048 * 2048  # the statistics pass sees at most this many pixels

    def needed(self, height: int, width: int) -> bool:
        return height * width > self.full_pass_pixels


def tiles(height: int, width: int, tile: int, margin: int) -> Iterator[tuple[slice, slice, slice, slice]]:
    """(crop rows, crop cols, interior rows within crop, interior cols within crop) per tile."""
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


def downscaled(pixels: np.ndarray, max_pixels: int) -> np.ndarray:
    """A copy with at most ``max_pixels`` (area-average resampling), for the statistics pass."""
    h, w = pixels.shape[:2]
    scale = min(1.0, (max_pixels / (h * w)) ** 0.5)
    size = (max(32, round(w * scale)), max(32, round(h * scale)))
    if size == (w, h):
        return pixels
    channels = [  # float32 planes resample exactly in PIL's "F" mode
        np.asarray(Image.fromarray(np.ascontiguousarray(pixels[..., c], np.float32)).resize(size, Image.Resampling.BOX))
        for c in range(pixels.shape[2])
    ]
    return np.stack(channels, axis=-1)


def tiled_apply(
    pixels: np.ndarray,
    run_tile: Callable[[np.ndarray], np.ndarray],
    tiling: Tiling,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Apply ``run_tile`` (HxWx3 float to same-size HxWx3 float) tile by tile; stitch interiors.
    Reports tiles done; a cancelled token stops before the next tile (:class:`Cancelled`)."""
    height, width = pixels.shape[:2]
    plan = list(tiles(height, width, tiling.tile, tiling.margin))
    report = Reporter(progress, len(plan), "tile")
    out = np.empty((height, width, 3), np.float32)
    for done, (rows, cols, inner_rows, inner_cols) in enumerate(plan):
        check_cancel(cancel)
        result = run_tile(pixels[rows, cols])
        out[rows, cols][inner_rows, inner_cols] = result[inner_rows, inner_cols]
        report(done + 1)
    return out


def padded4(pixels: np.ndarray) -> np.ndarray:
    """NHWC mirrored on the bottom and right to sides that divide 4: our transformers halve twice
    and double twice, so such sides round-trip exactly."""
    from nst.ops.padding import mirror_pad

    return np.asarray(mirror_pad(pixels, 0, 4))


class TiledRunner:
    """One transformer in its three norm plans, run in one pass or in tiles by image size.

    ``build(mode)`` returns the Keras model for a :class:`~nst.nets.layers.NormPlan` mode; the
    tiled variants are built on first need. Thread-safe.
    """

    def __init__(self, build: Callable[[str], object], tiling: Tiling | None = None):
        import threading

        from nst.runtime.tf import import_tensorflow

        self._tf = import_tensorflow()
        self._build = build
        self.tiling = tiling or Tiling()
        self._lock = threading.Lock()
        self._models: dict[str, object] = {}
        self._functions: dict[str, Any] = {}  # tf.function objects
        self.model("measure")

    def model(self, mode: str):
        """The Keras model of a norm plan (built once)."""
        with self._lock:
            if mode not in self._models:
                model = self._build(mode)
                self._models[mode] = model
                self._functions[mode] = self._tf.function(
                    lambda inputs, m=model: m(inputs, training=False), reduce_retracing=True
                )
            return self._models[mode]

    def traces(self) -> int:
        """How many graphs the one-pass model has traced (shape-relaxed: a few for any number of sizes)."""
        self.model("measure")
        return self._functions["measure"].experimental_get_tracing_count()

    def _call(self, mode: str, inputs: list) -> Any:
        """The model of ``mode``: its statistics (a list) for report modes, else the picture array."""
        self.model(mode)
        out = self._functions[mode](inputs)
        return (
            [np.asarray(o, np.float32) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out, np.float32)
        )

    def batch(self, pixels: np.ndarray, condition: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
        """One full pass over a batch NxHxWx3 (small images: galleries); ``masks`` NxHxWxK for
        regional styles (``condition`` then NxKxD)."""
        h, w = pixels.shape[1:3]
        regions = [] if masks is None else [padded4(masks.astype(np.float32))]
        mode = "measure" if masks is None else "measure+regions"
        return self._call(mode, [padded4(pixels), condition.astype(np.float32), *regions])[:, :h, :w]

    def __call__(
        self,
        pixels: np.ndarray,
        condition: np.ndarray,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        masks: np.ndarray | None = None,
    ) -> np.ndarray:
        """Stylize one HxWx3 float image; ``condition`` is the 1xD style input, or 1xKxD with
        ``masks`` (HxWxK, summing to 1) for K regional styles."""
        height, width = pixels.shape[:2]
        condition = condition.astype(np.float32)
        check_cancel(cancel)
        if not self.tiling.needed(height, width):
            out = self.batch(pixels[None], condition, None if masks is None else masks[None])[0]
            Reporter(progress, 1, "tile")(1)
            return out
        suffix = "" if masks is None else "+regions"
        both = pixels if masks is None else np.concatenate([pixels, masks.astype(np.float32)], axis=-1)

        def inputs(part: np.ndarray) -> list[np.ndarray]:  # pixels and masks cropped or scaled alike
            padded = padded4(part[None])
            return [padded[..., :3], condition] + ([] if masks is None else [padded[..., 3:]])

        stats = self._call("report" + suffix, inputs(downscaled(both, self.tiling.stats_pixels)))

        def run_tile(tile: np.ndarray) -> np.ndarray:
            h, w = tile.shape[:2]
            return self._call("given" + suffix, [*inputs(tile), *stats])[0, :h, :w]

        return tiled_apply(both, run_tile, self.tiling, progress, cancel)
