"""Texture contrast per scale: Laplacian pyramid bands matched to a style's (Heeger & Bergen 1995).

The AdaIN decoder gets a painting's feature statistics roughly right but not how strongly its
texture shows at each scale: strokes come out too faint for some paintings, too busy for
others. Measuring the standard deviation of each band of a Laplacian pyramid, per colour
channel, for the painting and for the result, and scaling the result's bands by the ratio
of their sums over the channels fixes much of that (style loss 1.17 -> 0.95 on 40 pairs at
equal content loss, with an early decoder; 0.884 -> 0.837 with the shipped one from
upsampling exactly 2x and a third band at 1/8 size). Those bands are measured on the
half-size image, and as the pyramid is linear only the change goes back to full size; the
finest band (pixel detail, :func:`detail_band`) is matched once, in the engine's last step,
where it also lowered the content loss at equal style loss (benchmarks/RESULTS-curve.md).
All tensor ops: the TFLite export computes the same.
"""

from __future__ import annotations

LEVELS = 3  # bands at 1/2, 1/4 and 1/8 size: where VGG relu2_1 and relu3_1 see texture (1/8: 0.855 -> 0.837)
GAIN_RANGE = (0.5, 2.0)  # never more than halve or double a band (noise, flat paintings)


def downsample(x):
    """2x box downsampling of NHWC (odd sides round up)."""
    import tensorflow as tf

    return tf.nn.avg_pool2d(x, 2, 2, "SAME")


def upsample_to(x, like):
    """Bilinear 2x upsampling of ``x``, cropped to the height and width of ``like`` (odd sides:
    one row or column less). Exactly 2x, never resized to fit: so a tile's bands line up with the
    whole picture's at every level (resizing 23 rows to 45 shifted the whole 1/8 band)."""
    import tensorflow as tf

    size = tf.shape(like)
    return tf.image.resize(x, tf.shape(x)[1:3] * 2, "bilinear")[:, : size[1], : size[2]]


def _channel_std(x):
    """Per-channel standard deviation over all pixels, as matrix products: reductions over the
    3-channel axis run 2.7x slower here."""
    from keras import ops

    flat = ops.reshape(x, (-1, 3))
    n = ops.cast(ops.shape(flat)[0], "float32")
    mean = ops.matmul(ops.ones((1, ops.shape(flat)[0])), flat)[0] / n
    square = ops.sum(ops.matmul(ops.transpose(flat), flat) * ops.eye(3), axis=0) / n  # diagonal (TFLite has none)
    return ops.sqrt(ops.maximum(square - mean * mean, 0.0))


def _weighted_channel_std(x, w):
    """Per-channel standard deviation of 1xHxWx3 ``x`` over pixels weighted by 1xHxWx1 ``w``."""
    from keras import ops

    total = ops.maximum(ops.sum(w), 1e-6)
    mean = ops.sum(x * w, axis=(0, 1, 2)) / total
    square = ops.sum(x * x * w, axis=(0, 1, 2)) / total
    return ops.sqrt(ops.maximum(square - mean * mean, 0.0))


def _pyramid(image, levels: int) -> list:
    """Laplacian bands of ``image``, finest first."""
    bands = []
    for _ in range(levels):
        low = downsample(image)
        bands.append(image - upsample_to(low, image))
        image = low
    return bands


def band_contrast(pixels, levels: int = LEVELS, half=None):
    """Standard deviation of each band of the half-size image (``half``, when already
    computed), per colour channel over the batch: (levels, 3), float32."""
    from keras import ops

    bands = _pyramid(downsample(ops.cast(pixels, "float32")) if half is None else half, levels)
    return ops.stack([_channel_std(band) for band in bands])


def detail_band(pixels, half=None):
    """The finest band (pixel detail) of NHWC ``pixels``: what their 2x box downsampling
    (``half``, when already computed) upsampled again lacks."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    return pixels - upsample_to(downsample(pixels) if half is None else half, pixels)


def detail_contrast(pixels, half=None):
    """Standard deviation of the finest band per colour channel over the batch: (3,), float32."""
    return _channel_std(detail_band(pixels, half))


def contrasts(pixels) -> tuple:
    """(:func:`band_contrast`, :func:`detail_contrast`) of NHWC pixels, downsampled once."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    half = downsample(pixels)
    return band_contrast(pixels, half=half), detail_contrast(pixels, half)


def _gain(target, source):
    """One gain for all three channels (a gain per channel tinted every edge it scaled, cyan
    fringes: benchmarks/RESULTS-adain-artifacts.md), within ``GAIN_RANGE``."""
    from keras import ops

    ratio = ops.sum(target, axis=-1, keepdims=True) / ops.maximum(ops.sum(source, axis=-1, keepdims=True), 1e-6)
    return ops.clip(ratio, *GAIN_RANGE)


def detail_change(detail, target, source=None):
    """(change, source): what to add to a picture whose finest band is ``detail`` so that band's
    contrast becomes ``target`` (from :func:`detail_contrast`); ``source`` as returned (tiles
    pass the whole picture's)."""
    if source is None:
        source = _channel_std(detail)
    return detail * (_gain(target, source) - 1.0), source


def regional_detail_change(detail, targets, weights, sources=None):
    """:func:`detail_change` with one target per region (``weights`` 1xHxWxK at ``detail``'s
    size): each region's gain measured in it alone, blended per position by the masks."""
    if sources is None:
        sources = [_weighted_channel_std(detail, weights[..., k : k + 1]) for k in range(len(targets))]
    gain = sum(weights[..., k : k + 1] * _gain(t, s) for k, (t, s) in enumerate(zip(targets, sources, strict=True)))
    return detail * (gain - 1.0), sources


def contrast_change(half, target, alpha=1.0, source=None):
    """(change, source): what to add to the half-size image ``half`` so each band's contrast
    moves toward ``target`` by ``alpha`` in [0, 1], and the contrast it was scaled from
    (``source``; default: measured on ``half``, tiles pass the whole picture's)."""
    from keras import ops

    bands = _pyramid(half, target.shape[0])
    if source is None:
        source = ops.stack([_channel_std(band) for band in bands])
    gains = _gain(target, source) ** alpha  # exactly 1 at its own contrast
    change = ops.zeros_like(downsample(bands[-1]))
    for i in range(len(bands) - 1, -1, -1):
        change = upsample_to(change, bands[i]) + bands[i] * (gains[i] - 1.0)
    return change, source


def _mask_pyramid(weights, levels: int) -> list:
    """Region masks at each band's size, finest first."""
    maps = [weights]
    for _ in range(levels - 1):
        maps.append(downsample(maps[-1]))
    return maps


def _regional_contrasts(bands, maps, count: int) -> list:
    from keras import ops

    return [
        ops.stack([_weighted_channel_std(band, m[..., k : k + 1]) for band, m in zip(bands, maps, strict=True)])
        for k in range(count)
    ]


def regional_band_contrast(half, weights, count: int, levels: int = LEVELS) -> list:
    """Per region, the band contrast (levels, 3) of the half-size image ``half`` within that
    region (``weights`` 1xHxWxK at ``half``'s size, K = ``count``): :func:`band_contrast` of
    each region alone."""
    return _regional_contrasts(_pyramid(half, levels), _mask_pyramid(weights, levels), count)


def regional_contrasts(pixels, weights, count: int) -> list:
    """Per region, (:func:`band_contrast`, :func:`detail_contrast`) of NHWC ``pixels`` within it
    (``weights`` 1xHxWxK at the pixels' size, K = ``count``), downsampled once."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    half = downsample(pixels)
    detail = detail_band(pixels, half)
    bands = regional_band_contrast(half, downsample(weights), count)
    return [(b, _weighted_channel_std(detail, weights[..., k : k + 1])) for k, b in enumerate(bands)]


def regional_contrast_change(half, targets, weights, sources=None):
    """:func:`contrast_change` at full strength with one target per region: ``targets`` a list
    of (levels, 3) contrasts, ``weights`` 1xHxWxK region masks at ``half``'s size. Each band's
    gain is measured in each region alone and blended per position by the masks (at that
    band's size), so a region takes its own style's texture contrast; ``sources`` as returned."""
    from keras import ops

    bands = _pyramid(half, targets[0].shape[0])
    maps = _mask_pyramid(weights, len(bands))
    if sources is None:
        sources = _regional_contrasts(bands, maps, len(targets))
    gains = [_gain(t, s) for t, s in zip(targets, sources, strict=True)]
    change = ops.zeros_like(downsample(bands[-1]))
    for i in range(len(bands) - 1, -1, -1):
        gain = sum(maps[i][..., k : k + 1] * gains[k][i] for k in range(len(targets)))
        change = upsample_to(change, bands[i]) + bands[i] * (gain - 1.0)
    return change, sources


def match_band_contrast(pixels, target, alpha=1.0, source=None, clip: bool = True):
    """NHWC pixels with their band contrast moved toward ``target`` (from :func:`band_contrast`)
    by ``alpha``, clipped to [0, 1] (``clip`` False: as computed, for training losses)."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    change, _ = contrast_change(downsample(pixels), target, alpha, source)
    out = pixels + upsample_to(change, pixels)
    return ops.clip(out, 0.0, 1.0) if clip else out


def match_each_band_contrast(pictures, styles):
    """Each picture of a batch with its own style's band contrast, unclipped and differentiable:
    the engine's band step as training losses see it."""
    import tensorflow as tf

    def one(pair):
        return match_band_contrast(pair[0][None], band_contrast(pair[1][None]), clip=False)[0]

    return tf.map_fn(one, (pictures, styles), fn_output_signature=tf.float32)
