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


def _channel_std(x, w=None):
    """Per-channel standard deviation over all pixels, or over pixels weighted by NHWx1 ``w``
    (a region's mask), as matrix products: reductions over the 3-channel axis run 2.7x slower here."""
    from keras import ops

    flat = ops.reshape(x, (-1, 3))
    if w is None:
        row = ops.ones((1, ops.shape(flat)[0]))
        weighted, total = flat, ops.cast(ops.shape(flat)[0], "float32")
    else:
        row = ops.reshape(ops.cast(w, "float32"), (1, -1))
        weighted, total = flat * ops.transpose(row), ops.maximum(ops.sum(row), 1e-6)
    mean = ops.matmul(row, flat)[0] / total
    # the diagonal of a matrix product (TFLite has no diagonal op)
    square = ops.sum(ops.matmul(ops.transpose(weighted), flat) * ops.eye(3), axis=0) / total
    return ops.sqrt(ops.maximum(square - mean * mean, 0.0))


def region_mask(maps, k: int):
    """Region ``k``'s mask from NHWxK ``maps``; None (the whole picture, one region) stays None."""
    return None if maps is None else maps[..., k : k + 1]


def blend_regions(maps, values: list):
    """Per position, the regions' ``values`` weighted by their masks; the whole picture's one value."""
    if maps is None:
        return values[0]
    return sum(maps[..., k : k + 1] * v for k, v in enumerate(values))


def _pyramid(image, levels: int) -> list:
    """Laplacian bands of ``image``, finest first."""
    bands = []
    for _ in range(levels):
        low = downsample(image)
        bands.append(image - upsample_to(low, image))
        image = low
    return bands


def _mask_pyramid(weights, levels: int) -> list:
    """Region masks at each band's size, finest first (no masks: None at each)."""
    maps = [weights]
    for _ in range(levels - 1):
        maps.append(None if weights is None else downsample(maps[-1]))
    return maps


def _band_contrasts(bands, maps, count: int) -> list:
    """Per region, the standard deviation of each band per colour channel: (levels, 3) each."""
    from keras import ops

    pairs = list(zip(bands, maps, strict=True))
    return [ops.stack([_channel_std(band, region_mask(m, k)) for band, m in pairs]) for k in range(count)]


def band_contrast(pixels, levels: int = LEVELS, half=None):
    """Standard deviation of each band of the half-size image (``half``, when already
    computed), per colour channel over the batch: (levels, 3), float32."""
    from keras import ops

    bands = _pyramid(downsample(ops.cast(pixels, "float32")) if half is None else half, levels)
    return _band_contrasts(bands, [None] * levels, 1)[0]


def detail_band(pixels, half=None):
    """The finest band (pixel detail) of NHWC ``pixels``: what their 2x box downsampling
    (``half``, when already computed) upsampled again lacks."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    return pixels - upsample_to(downsample(pixels) if half is None else half, pixels)


def contrasts(pixels, weights=None, count: int = 1) -> list:
    """Per region, (:func:`band_contrast`, finest band's contrast (3,)) of NHWC ``pixels`` within
    it (``weights`` 1xHxWxK at the pixels' size, K = ``count``; None: the whole picture, one
    region), downsampled once."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    half = downsample(pixels)
    detail = detail_band(pixels, half)
    maps = _mask_pyramid(None if weights is None else downsample(weights), LEVELS)
    bands = _band_contrasts(_pyramid(half, LEVELS), maps, count)
    return [(b, _channel_std(detail, region_mask(weights, k))) for k, b in enumerate(bands)]


def _gain(target, source):
    """One gain for all three channels (a gain per channel tinted every edge it scaled, cyan
    fringes: benchmarks/RESULTS-adain-artifacts.md), within ``GAIN_RANGE``."""
    from keras import ops

    ratio = ops.sum(target, axis=-1, keepdims=True) / ops.maximum(ops.sum(source, axis=-1, keepdims=True), 1e-6)
    return ops.clip(ratio, *GAIN_RANGE)


def detail_change(detail, targets: list, weights=None, sources=None):
    """(change, sources): what to add to a picture whose finest band is ``detail`` so that band's
    contrast becomes each region's target (``targets``: finest-band contrasts (3,) per region;
    ``weights`` 1xHxWxK at ``detail``'s size, None: one region, the whole picture). Each region's
    gain is measured in it alone and blended per position by the masks; ``sources`` as returned
    (tiles pass the whole picture's)."""
    if sources is None:
        sources = [_channel_std(detail, region_mask(weights, k)) for k in range(len(targets))]
    gain = blend_regions(weights, [_gain(t, s) for t, s in zip(targets, sources, strict=True)])
    return detail * (gain - 1.0), sources


def contrast_change(half, targets: list, weights=None, alpha=1.0, sources=None):
    """(change, sources): what to add to the half-size image ``half`` so each band's contrast
    moves toward its region's target by ``alpha`` in [0, 1] (``targets``: (levels, 3) per
    region; ``weights`` 1xHxWxK region masks at ``half``'s size, None: one region, the whole
    picture). Each band's gain is measured in each region alone and blended per position by the
    masks at that band's size, so a region takes its own style's texture contrast; ``sources``:
    the contrasts it was scaled from (default: measured on ``half``; tiles pass the whole picture's)."""
    from keras import ops

    bands = _pyramid(half, targets[0].shape[0])
    maps = _mask_pyramid(weights, len(bands))
    if sources is None:
        sources = _band_contrasts(bands, maps, len(targets))
    gains = [_gain(t, s) ** alpha for t, s in zip(targets, sources, strict=True)]  # exactly 1 at its own contrast
    change = ops.zeros_like(downsample(bands[-1]))
    for i in range(len(bands) - 1, -1, -1):
        gain = blend_regions(maps[i], [g[i] for g in gains])
        change = upsample_to(change, bands[i]) + bands[i] * (gain - 1.0)
    return change, sources


def match_band_contrast(pixels, target, alpha=1.0, source=None, clip: bool = True):
    """NHWC pixels with their band contrast moved toward ``target`` (from :func:`band_contrast`)
    by ``alpha``, clipped to [0, 1] (``clip`` False: as computed, for training losses)."""
    from keras import ops

    pixels = ops.cast(pixels, "float32")
    change, _ = contrast_change(downsample(pixels), [target], None, alpha, None if source is None else [source])
    out = pixels + upsample_to(change, pixels)
    return ops.clip(out, 0.0, 1.0) if clip else out


def match_each_band_contrast(pictures, styles):
    """Each picture of a batch with its own style's band contrast, unclipped and differentiable:
    the engine's band step as training losses see it."""
    import tensorflow as tf

    def one(pair):
        return match_band_contrast(pair[0][None], band_contrast(pair[1][None]), clip=False)[0]

    return tf.map_fn(one, (pictures, styles), fn_output_signature=tf.float32)
