"""The ``adain`` engine: our MobileNetV2 encoder + AdaIN + trained decoder (issue 5).

Works in feature statistics, as the paper does, at each encoder level of the decoder's cut
(1/4 and 1/8): several styles blend by mixing their channel means and standard deviations,
and strength is the paper's alpha (interpolation between the content's features and the
AdaIN target). The decoded picture then takes the style's colour mean and covariance and its
texture contrast per scale (nst.bands), mixed with the content's by alpha: per-channel
feature statistics alone pin down neither. Above the one-pass size the statistics come from
a downscaled pass and the image runs in tiles, like the magenta engine.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PIL import Image

from nst.images import fit, to_array
from nst.tf_runtime import default_precision, import_tensorflow
from nst.tiling import FULL_PASS_PIXELS, TILE, downscaled, tiled_apply

STYLE_SIDE = 512  # style images are seen at this long side (training saw 256-512 px crops' scale)
STATS_CACHE_SIZE = 256
BORDER = 16  # px of mirrored context around every image the encoder sees


def finish_picture(out, transform, band_target, alpha=1.0, source=None):
    """(picture, band contrast it was scaled from): a decoded picture in the target colours (the
    colour ``transform``) with the style's texture contrast per scale (nst.bands), both by strength;
    the engine's last step, and what training validates. The bands are measured on the half-size
    picture in its new colours (box averaging and the colour transform commute), so the full-size
    picture is read once."""
    from keras import ops

    from nst.adain import apply_color_transform
    from nst.bands import contrast_change, downsample, upsample_to

    half = apply_color_transform(downsample(out), transform)
    change, source = contrast_change(half, band_target, alpha, source)
    return ops.clip(apply_color_transform(out, transform) + upsample_to(change, out), 0.0, 1.0), source


class AdaINEngine:
    """Frozen encoder, trained decoder; thread-safe; style statistics cached by pixel hash."""

    name = "adain"
    full_pass_pixels = FULL_PASS_PIXELS  # larger images run in tiles of ``tile`` px
    tile = TILE

    def __init__(self, weights: str | Path | None = None, precision: str | None = None) -> None:
        tf = import_tensorflow()
        from nst.adain import level_statistics
        from nst.adain_net import CODED_CUTS, CUTS, DECODER_FILE, build_encoder, encode, load_decoder, stride

        self.precision = precision or default_precision()
        self.cut, self._decoder = load_decoder(weights or DECODER_FILE, self.precision)
        self.factor = stride(self.cut)
        self.levels = len(CUTS[self.cut])
        self.coded = self.cut in CODED_CUTS
        self._encoder = build_encoder(self.cut)
        self._encode = tf.function(lambda x: encode(self._encoder, x), reduce_retracing=True)
        self._decode = tf.function(self._transfer, reduce_retracing=True)
        self._plan = tf.function(self._color_plan, reduce_retracing=True)
        self._apply = tf.function(self._finish, reduce_retracing=True)
        self._moments = tf.function(level_statistics, reduce_retracing=True)
        self._one_pass = tf.function(self._whole_picture, reduce_retracing=True)
        self._stats: OrderedDict[str, tuple[np.ndarray, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def _transfer(self, features, content_stats, style_stats, alpha):
        """Decode alpha * AdaIN(features) + (1 - alpha) * features at every level, clipped to [0, 1].

        ``content_stats`` and ``style_stats``: (mean, std) of each level in turn, flat.
        """
        from keras import ops

        from nst.adain import adain_affine
        from nst.adain_net import style_code

        dtype = "bfloat16" if self.precision == "bfloat16" else "float32"  # the decoder's input, as it computes
        mixed = []
        for i, level in enumerate(features):
            scale, shift = adain_affine(content_stats[2 * i : 2 * i + 2], style_stats[2 * i : 2 * i + 2], alpha)
            mixed.append(ops.cast(level, dtype) * ops.cast(scale, dtype) + ops.cast(shift, dtype))
        if self.coded:  # the coarsest mixed features' statistics: the style's at strength 1
            mean, std = content_stats[-2:]
            mixed.append(style_code(mean * scale + shift, std * scale))
        return ops.clip(self._decoder(mixed, training=False), 0.0, 1.0)

    def _padded(self, pixels: np.ndarray) -> np.ndarray:
        """Mirrored context of ``BORDER`` px around the image, then to a multiple of the encoder's stride.

        MobileNetV2 pads its convolutions with zeros; at the image's edge that reads as black
        and the decoder paints a dark frame. Mirrored pixels give it real-looking context.
        """
        b = BORDER
        h, w = pixels.shape[:2]
        extra_h, extra_w = -(h + 2 * b) % self.factor, -(w + 2 * b) % self.factor
        return np.pad(pixels, ((b, b + extra_h), (b, b + extra_w), (0, 0)), mode="reflect")

    def _features(self, pixels: np.ndarray) -> list:
        """Encoder features (one per level) of a float HxWx3 image with its mirrored border (see :meth:`_padded`)."""
        return self._encode(self._padded(pixels)[None])

    def _mean_std(self, features: list) -> tuple[np.ndarray, ...]:
        """(mean, std) of each level's features in turn, flat."""
        return tuple(np.asarray(m, np.float32) for m in self._moments(features))

    def style_statistics(self, image: Image.Image) -> tuple[np.ndarray, ...]:
        """(feature mean, feature std) of each level, then colour mean and colour covariance, then
        band contrast (nst.bands), of a style image; once per image."""
        from nst.adain import color_statistics
        from nst.bands import band_contrast

        fitted = fit(image, STYLE_SIDE, upscale=True)
        key = hashlib.sha256(f"{fitted.mode}{fitted.size}".encode() + fitted.tobytes()).hexdigest()
        with self._lock:
            if key in self._stats:
                self._stats.move_to_end(key)
                return self._stats[key]
        pixels = to_array(fitted)
        colour = tuple(np.asarray(v, np.float32) for v in color_statistics(pixels[None]))
        stats = (*self._mean_std(self._features(pixels)), *colour, np.asarray(band_contrast(pixels[None]), np.float32))
        with self._lock:
            self._stats[key] = stats
            while len(self._stats) > STATS_CACHE_SIZE:
                self._stats.popitem(last=False)
        return stats

    @staticmethod
    def color_target(content, style_color: tuple, alpha):
        """Colour statistics the result gets: the style's, mixed with the content's for alpha < 1
        (``content`` None: alpha is 1, the style's alone)."""
        from nst.adain import color_statistics

        if content is None:
            return style_color
        content_mean, content_cov = color_statistics(content)
        return alpha * style_color[0] + (1 - alpha) * content_mean, alpha * style_color[1] + (1 - alpha) * content_cov

    def _split(self, style: tuple) -> tuple[tuple, tuple, object]:
        """A style's statistics as (feature mean/std per level, colour mean and covariance, band contrast)."""
        n = 2 * self.levels
        return style[:n], style[n : n + 2], style[n + 2]

    def _color_plan(self, out, content, style: tuple, alpha):
        """The colour transform taking the decoded picture to the target colours."""
        from nst.adain import color_statistics, color_transform

        return color_transform(color_statistics(out), self.color_target(content, self._split(style)[1], alpha))

    def _finish(self, out, transform, style: tuple, alpha, source=None):
        """(picture, band contrast it was scaled from): see :func:`finish_picture`."""
        return finish_picture(out, transform, self._split(style)[2], alpha, source)

    def _decoded(self, features, content_stats, style: tuple, alpha, height: int, width: int):
        """Decoder output (1xHxWx3, clipped) for the image inside the mirrored border."""
        out = self._decode(features, content_stats, self._split(style)[0], alpha)
        return out[:, BORDER : BORDER + height, BORDER : BORDER + width]

    def _whole_picture(self, padded, content, style: tuple, alpha, height, width):
        """One graph for an image that fits one pass: encode, AdaIN, decode, colour, contrast (saves
        round trips; the tiled path below runs the same steps separately)."""
        from nst.adain import level_statistics
        from nst.adain_net import encode

        features = encode(self._encoder, padded)
        content_stats = level_statistics(features)
        out = self._transfer(features, content_stats, self._split(style)[0], alpha)
        out = out[:, BORDER : BORDER + height, BORDER : BORDER + width]
        return self._finish(out, self._color_plan(out, content, style, alpha), style, alpha)[0]

    def transfer(self, pixels: np.ndarray, style: tuple, alpha: float) -> np.ndarray:
        """Stylize a float HxWx3 image of any size toward a style's statistics (see :meth:`style_statistics`).

        The decoded picture then takes the target colour mean and covariance (nst.adain.color_transform)
        and the style's texture contrast per scale (nst.bands), both by strength.
        """
        alpha = np.float32(alpha)
        height, width = pixels.shape[:2]
        if height * width <= self.full_pass_pixels:
            content = pixels[None] if alpha < 1 else None  # at full strength the photo's colours play no part
            out = self._one_pass(self._padded(pixels)[None], content, style, alpha, np.int32(height), np.int32(width))
            return np.asarray(out, np.float32)[0]
        probe = downscaled(pixels)  # statistics come from a downscaled copy of the whole picture
        features = self._features(probe)
        content_stats = self._mean_std(features)
        out = self._decoded(features, content_stats, style, alpha, *probe.shape[:2])
        transform = self._plan(out, probe[None] if alpha < 1 else None, style, alpha)
        _, source = self._apply(out, transform, style, alpha)

        def run_tile(tile: np.ndarray) -> np.ndarray:
            decoded = self._decoded(self._features(tile), content_stats, style, alpha, *tile.shape[:2])
            return np.asarray(self._apply(decoded, transform, style, alpha, source)[0], np.float32)[0]

        return tiled_apply(pixels, run_tile, tile=self.tile)

    def stylize(
        self, content: Image.Image, styles: list[Image.Image], weights: np.ndarray, strength: float
    ) -> np.ndarray:
        from nst.adain import blend_statistics

        stats = blend_statistics([self.style_statistics(s) for s in styles], [float(w) for w in weights])
        return self.transfer(to_array(content), stats, strength)
