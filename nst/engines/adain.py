"""The ``adain`` engine: our MobileNetV2 encoder + AdaIN + trained decoder.

Works in feature statistics, as the paper does, at each encoder level of the decoder's cut
(1/4 and 1/8): several styles blend by mixing their channel means and standard deviations.
The decoded picture then takes the style's colour mean and covariance and its texture
contrast per scale (nst.ops.bands): per-channel feature statistics alone pin down neither.
Strength fades the full-strength picture toward the photo and then sets its texture contrast
per scale to the strength's mix of the style's and the photo's: at equal style loss that keeps
more of the photo than the paper's alpha (interpolating features) did
(benchmarks/RESULTS-curve.md). Above the one-pass size the statistics come from a downscaled
pass and the image runs in tiles, like the magenta engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from nst.engines.contract import EngineBase, PreparedStyle, Settings, check_prepared
from nst.io.images import fit, to_array
from nst.nets.tiling import Tiling, downscaled, tiled_apply
from nst.runtime.cache import LRUCache
from nst.runtime.progress import CancelToken, ProgressCallback, Reporter, check_cancel
from nst.runtime.tf import default_precision, import_tensorflow

STYLE_SIDE = 512  # style images are seen at this long side (training saw 256-512 px crops' scale)
STATS_CACHE_SIZE = 256


class AdaINEngine(EngineBase):
    """Frozen encoder, trained decoder; thread-safe; style statistics cached by pixel hash.

    A prepared style is the blended statistics: (feature mean, feature std) per level, colour
    mean and covariance, band contrast (:class:`nst.nets.adain.AdaINNetwork`'s layout)."""

    name = "adain"
    description = "Our AdaIN model (Huang & Belongie 2017): any style image, fastest, 1.1 MB, TFLite export"
    stride = 4  # measured: moved by 4 px, a picture is painted as moved (its 1/8 features barely show)
    export_formats = ("tflite",)
    config_options = {"decoder": "AdaIN decoder weights (.npz) from `nst train`, instead of the shipped ones"}

    def __init__(self, decoder: str | Path | None = None, precision: str | None = None, tiling: Tiling | None = None):
        tf = import_tensorflow()
        from nst.nets.adain import AdaINNetwork
        from nst.ops.adain import level_statistics

        self.precision = precision or default_precision()
        self.network = net = AdaINNetwork(decoder, self.precision)
        self.tiling = tiling or Tiling()
        relaxed = {"reduce_retracing": True}
        self._features = tf.function(lambda x: net.features(net.padded(x)), **relaxed)
        self._moments = tf.function(level_statistics, **relaxed)
        self._style = tf.function(net.style_statistics, **relaxed)
        self._decoded = tf.function(net.decoded, **relaxed)
        self._plans = tf.function(net.color_plans, **relaxed)
        self._finish = tf.function(net.finish, **relaxed)
        self._faded = tf.function(net.faded, **relaxed)
        self._contrasts = tf.function(net.contrasts, **relaxed)
        self._whole = tf.function(net.whole_picture, **relaxed)
        self._regional = {  # regional styles (render_regions)
            name: tf.function(getattr(net, name), **relaxed)
            for name in ("regional_picture", "region_maps", "masked_statistics", "regional_decoded")
        }
        self._stats: LRUCache[tuple[np.ndarray, ...]] = LRUCache(STATS_CACHE_SIZE)

    @classmethod
    def export_models(cls, fmt: str, float16: bool = False) -> dict[str, bytes]:
        """Two TFLite models, as a phone app uses them: style image to statistics, and photo +
        statistics + strength to picture (see nst.export.tflite)."""
        from nst.export.tflite import tflite_models
        from nst.nets.adain import AdaINNetwork

        import_tensorflow()
        return tflite_models(AdaINNetwork(precision="float32"), float16)

    def style_statistics(self, image: Image.Image) -> tuple[np.ndarray, ...]:
        """The statistics tuple of one style image, seen at ``STYLE_SIDE``; once per image."""
        fitted = fit(image, STYLE_SIDE, upscale=True)
        key = hashlib.sha256(f"{fitted.mode}{fitted.size}".encode() + fitted.tobytes()).hexdigest()
        return self._stats.get_or_compute(
            key, lambda: tuple(np.asarray(v, np.float32) for v in self._style(to_array(fitted)[None]))
        )

    def prepare(self, styles: list[Image.Image], weights: np.ndarray) -> PreparedStyle:
        from nst.ops.adain import blend_statistics

        stats = blend_statistics([self.style_statistics(s) for s in styles], [float(w) for w in weights])
        return PreparedStyle.of(self.name, **{f"s{i}": np.asarray(v, np.float32) for i, v in enumerate(stats)})

    @staticmethod
    def statistics(style: PreparedStyle) -> tuple[np.ndarray, ...]:
        """A prepared style's statistics tuple, in the network's order."""
        return tuple(style[f"s{i}"] for i in range(len(style.names())))

    def render(
        self,
        content: np.ndarray,
        style: PreparedStyle,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """The picture at full strength (AdaIN's alpha 1: the style's statistics, colour mean and
        covariance and texture contrast per scale), faded toward the photo by strength
        (:func:`nst.nets.adain.faded_picture`): on the style/content curve that beats lowering
        alpha (benchmarks/RESULTS-curve.md)."""
        check_prepared(style, self.name)
        stats, strength, alpha = self.statistics(style), np.float32(settings.strength), np.float32(1.0)
        height, width = content.shape[:2]
        check_cancel(cancel)
        if not self.tiling.needed(height, width):
            out = np.asarray(self._whole(content[None], stats, strength), np.float32)[0]
            Reporter(progress, 1, "tile")(1)
            return out
        probe = downscaled(content, self.tiling.stats_pixels)  # statistics of a downscaled whole picture
        features = self._features(probe[None])
        content_stats = tuple(np.asarray(m, np.float32) for m in self._moments(features))
        out = self._decoded(features, content_stats, stats, alpha, *probe.shape[:2])
        transforms = self._plans(out, [stats])
        picture, sources = self._finish(out, transforms, [stats], None, alpha)
        photo = self._contrasts(probe[None])  # the photo's contrasts and the faded picture's, whole
        _, faded_sources = self._faded(picture, probe[None], [stats], strength, None, None, photo)

        def run_tile(tile: np.ndarray) -> np.ndarray:
            decoded = self._decoded(self._features(tile[None]), content_stats, stats, alpha, *tile.shape[:2])
            picture = self._finish(decoded, transforms, [stats], None, alpha, sources)[0]
            faded = self._faded(picture, tile[None], [stats], strength, None, faded_sources, photo)[0]
            return np.asarray(faded, np.float32)[0]

        return tiled_apply(content, run_tile, self.tiling, progress, cancel)

    paints_regions = True

    def render_regions(self, content, styles, masks, settings, *, progress=None, cancel=None) -> np.ndarray:
        """Each region AdaIN'd by its own statistics toward its style's, with its style's code,
        colours and band contrast, blended per position inside one decoder pass; then faded
        toward the photo by strength, as :meth:`render`."""
        for style in styles:
            check_prepared(style, self.name)
        stats = [self.statistics(s) for s in styles]
        strength, masks = np.float32(settings.strength), masks.astype(np.float32)
        height, width = content.shape[:2]
        f = self._regional
        check_cancel(cancel)
        if not self.tiling.needed(height, width):
            out = np.asarray(f["regional_picture"](content[None], masks[None], stats, strength), np.float32)[0]
            Reporter(progress, 1, "tile")(1)
            return out
        both = np.concatenate([content, masks], axis=-1)  # pixels and masks scaled and cropped alike
        probe = downscaled(both, self.tiling.stats_pixels)[None]
        features = self._features(probe[..., :3])
        maps = f["region_maps"](probe[..., 3:], features)
        content_stats = f["masked_statistics"](features, maps)
        out = f["regional_decoded"](features, maps, content_stats, stats, *probe.shape[1:3])
        probe_pixels, probe_masks = probe[..., :3], probe[..., 3:]
        transforms = self._plans(out, stats, probe_masks)
        picture, sources = self._finish(out, transforms, stats, probe_masks)
        # the photo's contrasts per region and the faded picture's, measured on the whole
        contrasts = self._contrasts(probe_pixels, probe_masks, len(stats))
        _, faded_sources = self._faded(picture, probe_pixels, stats, strength, probe_masks, None, contrasts)

        def run_tile(tile: np.ndarray) -> np.ndarray:
            pixels, weights = tile[None, ..., :3], tile[None, ..., 3:]
            features = self._features(pixels)
            decoded = f["regional_decoded"](
                features, f["region_maps"](weights, features), content_stats, stats, *tile.shape[:2]
            )
            picture = self._finish(decoded, transforms, stats, weights, 1.0, sources)[0]
            faded = self._faded(picture, pixels, stats, strength, weights, faded_sources, contrasts)[0]
            return np.asarray(faded, np.float32)[0]

        return tiled_apply(both, run_tile, self.tiling, progress, cancel)
