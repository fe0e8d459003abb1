"""The AdaIN network (Huang & Belongie 2017) with a MobileNetV2 encoder, in Keras.

Encoder: the MobileNetV2 trunk of the embedded Magenta style predictor (same weights,
frozen), cut after an expansion layer. Decoder: mirrors it back to pixels with
nearest-neighbour upsampling and reflection-padded 3x3 convolutions (no transposed
convolutions, so no checkerboards). The decoder is the only part we train; its weights
live in ``assets/adain_decoder.npz`` (float16) together with the cut they belong to. Its
output loses the period-4 grid and the edge colours it learned to draw (nst.ops.grid).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from nst.errors import EngineUnavailable

DECODER_FILE = "adain_decoder.npz"  # in the package's assets (nst.runtime.assets)
BORDER = 16  # px of mirrored context around every image the encoder sees (training crops it too)

# encoder layers AdaIN can work on -> their channels and downscale factor
LEVELS = {
    "MobilenetV2__expanded_conv__project": (16, 2),
    "MobilenetV2__expanded_conv_1__expand": (96, 2),
    "MobilenetV2__expanded_conv_3__expand": (144, 4),
    "MobilenetV2__expanded_conv_4__expand": (192, 8),
    "MobilenetV2__expanded_conv_6__expand": (192, 8),
}
# a cut: the encoder layers whose AdaIN'd features the decoder gets, finest first
CUTS = {
    "MobilenetV2__expanded_conv_3__expand": ("MobilenetV2__expanded_conv_3__expand",),
    "MobilenetV2__expanded_conv_6__expand": ("MobilenetV2__expanded_conv_6__expand",),
    # 1/8 from expanded_conv_4: 4 ms at 1024x1024 where expanded_conv_6 costs 11 (speed target)
    "two_level": ("MobilenetV2__expanded_conv_3__expand", "MobilenetV2__expanded_conv_4__expand"),
}
CUTS["two_level_coded"] = CUTS["two_level"]  # the same levels; the decoder also gets the style code
# and the 1/2 level too, for the fine structure of dense photos (a 1x1 convolution into the 1/2 maps)
CUTS["three_level_coded"] = ("MobilenetV2__expanded_conv_1__expand", *CUTS["two_level"])
CUTS["three_level_narrow_coded"] = ("MobilenetV2__expanded_conv__project", *CUTS["two_level"])
CODED_CUTS = {"two_level_coded", "three_level_coded", "three_level_narrow_coded"}
DEFAULT_CUT = "two_level_coded"
# decoder widths per resolution level, deepest first: level 3 is 1/8, level 0 full size
LEVEL_WIDTHS = {3: (128,), 2: (128, 64), 1: (64, 32), 0: ()}  # full size: only the RGB conv (speed)
CONTEXT_WIDTH = 96  # the 1/8 branch of the two-level decoder
CODE_WIDTH = 128  # hidden units between the style code and the 1/8 branch's modulation
DETAIL_LEVEL = 1  # where a three-level decoder adds the 1/2 features
# Convolutions reading maps at 1/2 size or larger pad with zeros, not by reflection: their edge
# effects reach at most 4 px into the picture, inside the mirrored border that the engine and
# training crop (BORDER, 16 px), and reflecting those large maps cost 11 of 80 ms at 1024x1024.
ZERO_PAD_LEVEL = 1


def stride(cut: str) -> int:
    """Image sides must be a multiple of this for the cut's encoder."""
    return max(LEVELS[name][1] for name in CUTS[cut])


def style_code(mean, std):
    """The coarsest level's channel (mean, std) as one N x 2C vector: the style code a coded
    decoder takes (see :func:`build_decoder`)."""
    from keras import ops

    channels = ops.shape(mean)[-1]
    return ops.concatenate([ops.reshape(mean, (-1, channels)), ops.reshape(std, (-1, channels))], axis=-1)


def build_encoder(cut: str = DEFAULT_CUT):
    """Image NHWC in [0, 1] (sides a multiple of :func:`stride`) to a list of MobileNetV2 features,
    one per level of the cut, finest first.

    Float32 always: bfloat16 depthwise convolutions were slower here (0.175 s vs 0.126 s at
    1024x1024) and 6.6 % off.
    """
    import keras

    from nst.nets.magenta import build_style_predictor

    if cut not in CUTS:
        raise ValueError(f"unknown encoder cut {cut!r}; choose from {', '.join(CUTS)}")
    predictor = build_style_predictor(input_size=None)
    outputs = [predictor.get_layer(name).output for name in CUTS[cut]]
    encoder = keras.Model(predictor.input, outputs, name="adain_encoder")
    encoder.trainable = False
    return encoder


def encode(encoder, images) -> list:
    """The features of each level of an encoder from :func:`build_encoder`, as a list."""
    out = encoder(images, training=False)
    return list(out) if isinstance(out, list | tuple) else [out]


def build_decoder(
    cut: str = DEFAULT_CUT, precision: str = "float32", reflect_everywhere: bool = False, spatial_code: bool = False
):
    """Features at each level of the cut (a list, finest first) to an RGB image (linear output;
    callers clip to [0, 1] and crop the mirrored border).

    One level: 3x3 convolutions back up to full size. Two levels: the 1/8 features go through a
    context branch (two convolutions, the second one starting at zero) that is upsampled and
    added to the output of the 1/4 convolutions, so a two-level decoder starts out as the one-level one.
    Three levels: the 1/2 features also go through a 1x1 convolution (starting at zero) added
    to the first 1/2-size maps, so the decoder draws the photo's fine structure from them and
    starts out as the two-level one.
    Each 2x step is an :class:`~nst.nets.layers.UpsampleConv` (nearest upsampling + convolution).
    Coded cuts (``CODED_CUTS``) also take the style code (:func:`style_code`), from which two
    dense layers (the second starting at zero) modulate the context branch per channel (FiLM):
    AdaIN sets the features' statistics, the code lets the style choose how the coarse
    structure is drawn, at 1/8 size where it costs next to nothing. Padding: reflection, except
    at ``ZERO_PAD_LEVEL`` and finer unless ``reflect_everywhere`` (the same picture inside the border).
    ``spatial_code``: the code is a map at the 1/8 features' size (regional styles: each region's
    code where its mask is), the same weights applied at every position.
    """
    import keras
    from keras import layers

    from nst.nets.layers import FeatureModulation, NearestUpsample, ReflectionPad, UpsampleConv
    from nst.nets.magenta import conv_policy

    dtype = conv_policy(precision)
    inputs = [keras.Input((None, None, LEVELS[name][0]), name=f"features{i}") for i, name in enumerate(CUTS[cut])]
    if cut in CODED_CUTS:
        code_width = 2 * LEVELS[CUTS[cut][-1]][0]
        code = keras.Input((None, None, code_width) if spatial_code else (code_width,), name="style_code")
        hidden = layers.Dense(CODE_WIDTH, activation="relu", name="film0")(code)
        film = layers.Dense(2 * CONTEXT_WIDTH, kernel_initializer="zeros", name="film1")(hidden)

    def padding(level: int) -> str:
        return "zeros" if level <= ZERO_PAD_LEVEL and not reflect_everywhere else "reflect"

    def conv(x, width, name, level, activation="relu", **kwargs):
        if padding(level) == "zeros":
            return layers.Conv2D(width, 3, padding="same", activation=activation, name=name, dtype=dtype, **kwargs)(x)
        x = ReflectionPad(1, name=f"pad_{name}")(x)
        return layers.Conv2D(width, 3, activation=activation, name=name, dtype=dtype, **kwargs)(x)

    detail = inputs[0] if LEVELS[CUTS[cut][0]][1] == 2 else None
    main = inputs[1:] if detail is not None else inputs  # the decoder's start, then its context
    x = main[0]
    top = int(np.log2(LEVELS[CUTS[cut][len(inputs) - len(main)]][1]))
    for level in range(top, -1, -1):
        for i, width in enumerate(LEVEL_WIDTHS[level]):
            if level < top and i == 0:  # reads the map one level down
                up = UpsampleConv(
                    width, activation="relu", padding=padding(level + 1), name=f"conv{level}_0", dtype=dtype
                )
                x = up(x)
                if level == DETAIL_LEVEL and detail is not None:
                    skip = layers.Conv2D(width, 1, kernel_initializer="zeros", name="detail0", dtype=dtype)(detail)
                    x = layers.Add(name="with_detail", dtype=dtype)([x, skip])
            else:
                x = conv(x, width, f"conv{level}_{i}", level)
            if level == top and i == len(LEVEL_WIDTHS[level]) - 1 and len(main) > 1:
                context = conv(main[1], CONTEXT_WIDTH, "context0", level + 1)
                if cut in CODED_CUTS:
                    context = FeatureModulation(name="film", dtype=dtype)(context, film)
                context = conv(context, width, "context1", level + 1, activation=None, kernel_initializer="zeros")
                x = layers.Add(name="with_context", dtype=dtype)([x, NearestUpsample(name="context_up")(context)])
    if LEVEL_WIDTHS[0]:
        x = conv(x, 3, "rgb", 0, activation=None)
    else:
        x = UpsampleConv(3, padding=padding(1), name="rgb", dtype=dtype)(x)
    x = layers.Activation("linear", dtype="float32", name="image")(x)
    return keras.Model(inputs + ([code] if cut in CODED_CUTS else []), x, name="adain_decoder")


def save_decoder(decoder, cut: str, path: str | Path) -> int:
    """Write the decoder's weights as float16 with its encoder cut; returns the file size."""
    import io

    from nst.io.files import write_atomic

    arrays: dict[str, Any] = {w.path: np.asarray(w.numpy(), np.float16) for w in decoder.weights}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, cut=np.array(cut), **arrays)
    return write_atomic(path, buffer.getvalue()).stat().st_size


def load_decoder(path: str | Path | None = None, precision: str = "float32"):
    """(cut, decoder) from a weights file written by :func:`save_decoder` (default: the shipped one)."""
    from nst.runtime.assets import asset_path

    path = Path(path) if path is not None else asset_path(DECODER_FILE)
    if not path.is_file():
        raise EngineUnavailable(f"AdaIN decoder weights not found: {path}")
    with np.load(path, allow_pickle=False) as stored:
        cut = str(stored["cut"])
        if cut not in CUTS:
            raise EngineUnavailable(f"{path} was trained for an unknown encoder cut {cut!r}")
        decoder = build_decoder(cut, precision)
        missing = [w.path for w in decoder.weights if w.path not in stored]
        if missing:
            raise EngineUnavailable(f"{path} does not fit the AdaIN decoder (missing {missing[0]})")
        for w in decoder.weights:
            w.assign(stored[w.path].astype(np.float32))
    return cut, decoder


def init_decoder(decoder, path: str | Path) -> list[str]:
    """Copy the weights stored in ``path`` into ``decoder`` where names and shapes match (a
    two-level decoder from a one-level file: all but the new context branch); returns the
    names of the weights left as they were."""
    kept = []
    with np.load(Path(path), allow_pickle=False) as stored:
        for w in decoder.weights:
            if w.path in stored and stored[w.path].shape == tuple(w.shape):
                w.assign(stored[w.path].astype(np.float32))
            else:
                kept.append(w.path)
    return kept


def finish_picture(out, transforms: list, band_targets: list, masks=None, alpha=1.0, sources=None):
    """(picture, band contrasts it was scaled from): a decoded picture in the target colours (each
    region's colour transform in ``transforms``) with its style's texture contrast per scale
    (nst.ops.bands), both by strength; the engine's last step, and what training validates.
    ``masks``: 1xHxWxK region weights summing to 1 at the picture's size, each region in its own
    colours and contrast, blended per position; None: the whole picture, one region."""
    from keras import ops

    from nst.ops.bands import blend_regions, contrast_change, downsample, upsample_to
    from nst.ops.color import apply_color_transform

    colored = blend_regions(masks, [apply_color_transform(out, t) for t in transforms])
    # one region: its bands are measured on the half-size picture in the new colours (box
    # averaging and the colour transform commute), so the full-size picture is read once
    half = apply_color_transform(downsample(out), transforms[0]) if masks is None else downsample(colored)
    weights = None if masks is None else downsample(masks)
    change, sources = contrast_change(half, band_targets, weights, alpha, sources)
    return ops.clip(colored + upsample_to(change, out), 0.0, 1.0), sources


def faded_picture(picture, content, targets: list, strength, masks=None, sources=None, photo=None):
    """(picture, the contrasts it was scaled from): the full-strength ``picture`` faded toward the
    photo ``content`` by ``strength``, its texture contrast per scale then set to the strength's
    mix of the style's and the photo's, the finest band (pixel detail) included. ``targets``: per
    region, the style's (band contrast, detail contrast); ``masks`` as in :func:`finish_picture`;
    ``photo``: the photo's own contrasts per region (default: measured on ``content``); tiles
    pass the whole picture's ``sources`` and ``photo``.

    A plain fade averages two textures that do not line up and shows less contrast than either;
    at strength 1 this is the band step once more, which one pass leaves up to 20 % off (its
    clipping and the colour step), and the first at the finest band, which the decoder draws
    too faint for most paintings. On the style/content curve it keeps more of the photo at equal
    style loss (benchmarks/RESULTS-curve.md).
    """
    import tensorflow as tf
    from keras import ops

    from nst.ops.bands import contrast_change, contrasts, detail_band, detail_change, downsample, upsample_to
    from nst.ops.mix import fade

    strength = ops.convert_to_tensor(strength, "float32")
    faded = fade(picture, ops.cast(content, "float32"), strength)
    if photo is None:  # measured only when it counts: at strength 1 its share is 0
        photo = tf.cond(
            strength < 1.0,
            lambda: contrasts(content, masks, len(targets)),
            lambda: [tuple(ops.zeros_like(t) for t in target) for target in targets],
        )
    mixed = [
        [strength * t + (1.0 - strength) * own for t, own in zip(target, mine, strict=True)]
        for target, mine in zip(targets, photo, strict=True)
    ]
    half = downsample(faded)
    band_sources, detail_sources = (None, None) if sources is None else sources
    weights = None if masks is None else downsample(masks)
    change, band_sources = contrast_change(half, [t[0] for t in mixed], weights, 1.0, band_sources)
    fine, detail_sources = detail_change(detail_band(faded, half), [t[1] for t in mixed], masks, detail_sources)
    return ops.clip(faded + fine + upsample_to(change, faded), 0.0, 1.0), (band_sources, detail_sources)


class AdaINNetwork:
    """Frozen encoder and trained decoder with the steps between them, as tensor functions (the
    engine wraps them in ``tf.function``; the TFLite export traces them as they are).

    Style statistics are one flat tuple: (feature mean, feature std) of each level, then colour
    mean and covariance, then band contrast.
    """

    def __init__(self, weights: str | Path | None = None, precision: str = "float32") -> None:
        self.precision = precision
        self.cut, self.decoder = load_decoder(weights, precision)
        self.factor = stride(self.cut)
        self.levels = len(CUTS[self.cut])
        self.coded = self.cut in CODED_CUTS
        self.encoder = build_encoder(self.cut)
        self.level_channels = [LEVELS[name][0] for name in CUTS[self.cut]]
        self._regional_decoder = None
        self._lock = threading.Lock()

    @property
    def regional_decoder(self):
        """The decoder with its style code taken per position (regional styles), sharing the
        trained weights; built on first use, eagerly even inside a traced function (variables
        created and assigned in a trace would not hold the trained weights)."""
        import tensorflow as tf

        with self._lock, tf.init_scope():
            if self._regional_decoder is None:
                decoder = build_decoder(self.cut, self.precision, spatial_code=True)
                trained = {w.path: w for w in self.decoder.weights}
                for w in decoder.weights:
                    w.assign(trained[w.path])
                self._regional_decoder = decoder
            return self._regional_decoder

    def padded(self, images):
        """Mirrored context of ``BORDER`` px around NHWC images, sides then a multiple of the stride:
        MobileNetV2 pads its convolutions with zeros, which at the edge reads as black and the
        decoder paints a dark frame; mirrored pixels give it real-looking context."""
        from nst.ops.padding import mirror_pad

        return mirror_pad(images, BORDER, self.factor)

    def features(self, padded) -> list:
        return encode(self.encoder, padded)

    def split(self, style: tuple) -> tuple[tuple, tuple, object, object]:
        """A style's statistics as (feature mean/std per level, colour mean and covariance, band
        contrast, detail contrast)."""
        n = 2 * self.levels
        return style[:n], style[n : n + 2], style[n + 2], style[n + 3]

    def style_statistics(self, images) -> tuple:
        """The flat statistics tuple of a style image batch NHWC (all images pooled for colour)."""
        from nst.ops.adain import level_statistics
        from nst.ops.bands import contrasts
        from nst.ops.color import color_statistics

        return (*level_statistics(self.features(self.padded(images))), *color_statistics(images), *contrasts(images)[0])

    def transfer(self, features, content_stats, style_stats, alpha):
        """Decode alpha * AdaIN(features) + (1 - alpha) * features at every level, clipped to [0, 1].

        ``content_stats`` and ``style_stats``: (mean, std) of each level in turn, flat.
        """
        from keras import ops

        from nst.ops.adain import adain_affine
        from nst.ops.grid import neutral_detail, remove_periodic

        dtype = "bfloat16" if self.precision == "bfloat16" else "float32"  # the decoder's input, as it computes
        mixed = []
        for i, level in enumerate(features):
            scale, shift = adain_affine(content_stats[2 * i : 2 * i + 2], style_stats[2 * i : 2 * i + 2], alpha)
            mixed.append(ops.cast(level, dtype) * ops.cast(scale, dtype) + ops.cast(shift, dtype))
        if self.coded:  # the coarsest mixed features' statistics: the style's at strength 1
            mean, std = content_stats[-2:]
            mixed.append(style_code(mean * scale + shift, std * scale))
        # the decoder's period-4 grid and the colour it draws on edges, removed (nst.ops.grid)
        out = remove_periodic(self.decoder(mixed, training=False))
        return ops.clip(neutral_detail(out), 0.0, 1.0)

    def decoded(self, features, content_stats, style: tuple, alpha, height, width):
        """Decoder output (1xHxWx3, clipped) for the image inside the mirrored border."""
        out = self.transfer(features, content_stats, self.split(style)[0], alpha)
        return out[:, BORDER : BORDER + height, BORDER : BORDER + width]

    def color_plans(self, out, styles: list, masks=None) -> list:
        """Per region, the colour transform taking that region of the decoded picture ``out`` to
        its style's colours (``masks`` None: the whole picture, one region)."""
        from nst.ops.bands import region_mask
        from nst.ops.color import color_statistics, color_transform

        return [
            color_transform(color_statistics(out, region_mask(masks, k)), self.split(style)[1])
            for k, style in enumerate(styles)
        ]

    def finish(self, out, transforms: list, styles: list, masks=None, alpha=1.0, sources=None):
        """(picture, band contrasts it was scaled from): see :func:`finish_picture`."""
        return finish_picture(out, transforms, [self.split(s)[2] for s in styles], masks, alpha, sources)

    def faded(self, picture, content, styles: list, strength, masks=None, sources=None, photo=None):
        """(picture, contrasts it was scaled from): see :func:`faded_picture`."""
        return faded_picture(picture, content, [self.split(s)[2:] for s in styles], strength, masks, sources, photo)

    def contrasts(self, content, masks=None, count: int = 1) -> list:
        """Per region, the photo's own (band contrast, detail contrast): what :meth:`faded` mixes in."""
        from nst.ops.bands import contrasts

        return contrasts(content, masks, count)

    def whole_picture(self, content, style: tuple, strength):
        """One graph for a picture NHWC that fits one pass: encode, AdaIN, decode, colour,
        contrast, at full strength, then faded toward the photo by ``strength`` (see
        :func:`faded_picture`)."""
        import tensorflow as tf

        from nst.ops.adain import level_statistics

        features = self.features(self.padded(content))
        height, width = tf.shape(content)[1], tf.shape(content)[2]
        out = self.decoded(features, level_statistics(features), style, 1.0, height, width)
        return self.faded(self.finish(out, self.color_plans(out, [style]), [style])[0], content, [style], strength)[0]

    # Regional styles (Huang & Belongie 2017, spatial control): each region's features are
    # normalized by that region's own statistics toward its style's, the style codes, colours
    # and band contrasts likewise per region, all blended per position by the masks (resized
    # to each map), so one decoder pass paints the regions and their border in one piece.
    # ``masks``: 1xHxWxK weights summing to 1 at the content's size; ``styles``: K statistics tuples.

    def region_maps(self, masks, features) -> list:
        """The masks at each encoder level's size (area averages of the padded masks)."""
        import tensorflow as tf

        padded = self.padded(masks)
        return [tf.image.resize(padded, tf.shape(level)[1:3], "area") for level in features]

    def masked_statistics(self, features, maps) -> list[tuple]:
        """Per region, the flat (mean, std) of each level within that region (the content
        statistics :meth:`regional_decoded` takes; a tile passes the whole picture's)."""
        from keras import ops

        from nst.ops.moments import EPS, channel_moments

        moments = [channel_moments(level, m) for level, m in zip(features, maps, strict=True)]
        return [
            tuple(
                v
                for mean, var in moments
                for v in (mean[:, k, None, None, :], ops.sqrt(var[:, k, None, None, :] + EPS))
            )
            for k in range(maps[0].shape[-1])
        ]

    def regional_decoded(self, features, maps, content_stats: list, styles: list, height, width):
        """Decoder output (1xHxWx3, clipped) with each region AdaIN'd toward its own style."""
        from keras import ops

        from nst.ops.adain import adain_affine
        from nst.ops.grid import neutral_detail, remove_periodic

        dtype = "bfloat16" if self.precision == "bfloat16" else "float32"
        targets = [self.split(style)[0] for style in styles]
        mixed = []
        for i, level in enumerate(features):
            level = ops.cast(level, "float32")
            parts = []
            for k, (content_k, target_k) in enumerate(zip(content_stats, targets, strict=True)):
                scale, shift = adain_affine(content_k[2 * i : 2 * i + 2], target_k[2 * i : 2 * i + 2], 1.0)
                parts.append(maps[i][..., k : k + 1] * (level * scale + shift))
            mixed.append(ops.cast(sum(parts), dtype))
        if self.coded:  # each region's code where its mask is, at the 1/8 map's size
            codes = [style_code(*target[-2:]) for target in targets]
            mixed.append(sum(maps[-1][..., k : k + 1] * code[:, None, None, :] for k, code in enumerate(codes)))
        out = remove_periodic(self.regional_decoder(mixed, training=False))
        return ops.clip(neutral_detail(out), 0.0, 1.0)[:, BORDER : BORDER + height, BORDER : BORDER + width]

    def regional_picture(self, content, masks, styles: list, strength):
        """:meth:`whole_picture` with a style per region."""
        import tensorflow as tf

        features = self.features(self.padded(content))
        maps = self.region_maps(masks, features)
        height, width = tf.shape(content)[1], tf.shape(content)[2]
        out = self.regional_decoded(features, maps, self.masked_statistics(features, maps), styles, height, width)
        picture = self.finish(out, self.color_plans(out, styles, masks), styles, masks)[0]
        return self.faded(picture, content, styles, strength, masks)[0]
