"""Learn a new style for the preset network in minutes (Dumoulin et al. 2017): only the new
style's code (every conditional instance norm's scale and shift, 990 numbers) is trained; the
convolutions, shared by all 26 built-in styles, stay frozen.

Losses are the quality metric's (benchmarks/quality.py): channel mean/std of the loss network's
features against the painting's, and the photo's deepest features kept. Loss network: ImageNet
VGG-19 up to relu3_1 from an ``.npz`` given by path (the metric's own), else
:func:`nst.nets.features.load_feature_net` (VGG-19 from ``keras.applications`` when it can be
had, the embedded MobileNetV2 offline).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from nst.errors import OptionError
from nst.runtime.progress import CancelToken, ProgressCallback, Reporter

INITS = ("nearest", "mean", "zeros")


@dataclass(frozen=True)
class LearnSettings:
    """How a style is learned; the defaults finish in a few minutes on two CPU cores."""

    steps: int = 150  # converged by then on our validation paintings (benchmarks/RESULTS-own-styles.md)
    size: int = 256  # training crops, px (the photos' short side is seen at 1-2x this)
    batch: int = 4
    learning_rate: float = 0.03
    content_weight: float = 0.2  # against the style loss: keeps the photo's structure
    init: str = "nearest"  # the built-in style whose pictures are nearest the painting's statistics
    seed: int = 0
    eval_every: int = 25
    patience: int = 2  # evaluations without a better held-out loss before learning stops

    def __post_init__(self) -> None:
        if not 1 <= self.steps <= 100_000:
            raise OptionError(f"steps must be from 1 to 100000, got {self.steps}")
        if not 64 <= self.size <= 1024 or self.size % 4:
            raise OptionError(f"size must be a multiple of 4 from 64 to 1024 px, got {self.size}")
        if not 1 <= self.batch <= 32:
            raise OptionError(f"batch must be from 1 to 32, got {self.batch}")
        if self.init not in INITS:
            raise OptionError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if self.patience < 1:
            raise OptionError(f"patience must be at least 1, got {self.patience}")


@dataclass
class LossNetwork:
    """``model(images)`` -> feature list; which is the content layer and which the style layers."""

    name: str
    model: Callable
    content: int
    style: tuple[int, ...]
    note: str


def loss_network(vgg: str | Path | None = None, precision: str = "float32") -> LossNetwork:
    """The metric's VGG-19 (relu1_1, relu2_1, relu3_1) from ``vgg`` (in ``precision``), else
    VGG-19 or MobileNetV2 (float32)."""
    if vgg is not None:
        from nst.nets.vgg import build_vgg_encoder

        model = build_vgg_encoder(vgg, precision)
        return LossNetwork("vgg19-relu3_1", model, 2, (0, 1, 2), f"loss network: VGG-19 from {Path(vgg).name}")
    from nst.nets.features import load_feature_net

    net = load_feature_net()
    return LossNetwork(net.name, net.model, 0, tuple(range(1, 6)), net.note)


def photo_arrays(photos: list[Image.Image], size: int) -> list[np.ndarray]:
    """Training photos as uint8 arrays, short side at most twice the crop size (memory)."""
    from nst.io.images import fit

    arrays = []
    for photo in photos:
        photo = photo.convert("RGB")
        long_side = max(photo.size) * (2 * size) / min(photo.size)
        arrays.append(np.asarray(fit(photo, max(size, round(long_side)), upscale=True)))
    return arrays


def learn_style(
    painting: Image.Image,
    photos: list[Image.Image],
    *,
    name: str,
    settings: LearnSettings | None = None,
    vgg: str | Path | None = None,
    preview: Image.Image | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_best: Callable | None = None,
):
    """A :class:`~nst.styles.learned.LearnedStyle` for ``painting``, learned on crops of
    ``photos`` (flipped, at random scales). ``progress`` gets the steps with the losses and, at
    each evaluation, ``preview`` painted with the style so far; a cancelled token stops at the
    next step and the best code so far (by the held-out crops' loss) is returned. ``on_best``
    gets that best style as it improves (an app keeps it if its page is interrupted)."""
    import tensorflow as tf

    from nst.nets.preset import build_preset_transformer, read_weights, style_codes
    from nst.nets.vgg import content_loss, style_loss, style_targets
    from nst.runtime.tf import default_precision, import_tensorflow
    from nst.styles.learned import LearnedStyle, check_name, thumbnail_of
    from nst.training.train import augmented, center_crops

    import_tensorflow()
    check_name(name)
    settings = settings or LearnSettings()
    if not photos:
        raise OptionError("learning a style needs at least one photo to learn it on")
    started = time.perf_counter()
    report = Reporter(progress, settings.steps, "step")
    report.preparing("loading the network that judges the style")
    precision = default_precision()  # bfloat16 convolutions where the CPU has them: 1.5x faster steps
    net = loss_network(vgg, precision)
    weights = read_weights()
    codes = style_codes(weights[1])
    model = build_preset_transformer(precision, "measure", weights)
    from nst.io.images import fit, to_array

    style_image = to_array(fit(painting.convert("RGB"), 2 * settings.size, upscale=True))[None]
    targets = [t for i, t in enumerate(style_targets(as_float(net.model(style_image)))) if i in net.style]
    arrays = photo_arrays(photos, settings.size)
    held_out = tf.constant(center_crops(arrays[: max(2, settings.batch)] * 2, settings.size)[: settings.batch])

    def losses(images, code):
        out = model([images, tf.tile(code[None], (tf.shape(images)[0], 1))], training=False)
        features, reference = as_float(net.model(out)), as_float(net.model(images))
        style = style_loss([features[i] for i in net.style], targets=targets)
        content = content_loss(features[net.content], reference[net.content])
        return style, content, style + settings.content_weight * content

    evaluate = tf.function(lambda code: losses(held_out, code))
    report.preparing("choosing the built-in style to start from")
    code = tf.Variable(_initial_code(settings.init, codes, evaluate), dtype=tf.float32)
    optimizer = tf.keras.optimizers.Adam(
        tf.keras.optimizers.schedules.CosineDecay(settings.learning_rate, settings.steps, alpha=0.1)
    )

    @tf.function(reduce_retracing=True)
    def train_step(images):
        with tf.GradientTape() as tape:
            style, content, total = losses(images, code)
        optimizer.apply_gradients([(tape.gradient(total, code), code)])
        return style, content

    thumbnail = thumbnail_of(painting)

    def finished(done: int) -> LearnedStyle:
        learned = {
            **asdict(settings),
            "loss_network": net.name,
            "steps_done": done,
            "seconds": round(time.perf_counter() - started, 1),
            "held_out_loss": best_loss,
            "curve": [[round(v, 4) for v in row] for row in curve],
        }
        return LearnedStyle(name, best, thumbnail, learned)

    batches = iter(augmented(arrays, settings.size, settings.batch, settings.seed))
    report.preparing("the first step (it sets up the computation)")
    best, best_loss, curve = code.numpy(), float(evaluate(code)[2]), []
    curve.append((0, time.perf_counter() - started, *map(float, evaluate(code))))
    done, stale = 0, 0
    for done in range(1, settings.steps + 1):
        if cancel is not None and cancel.cancelled:
            done -= 1
            break
        style, content = train_step(next(batches))
        details: dict[str, Any] = {"losses": {"style": float(style), "content": float(content)}}
        if done % settings.eval_every == 0 or done == settings.steps:
            s, c, total = map(float, evaluate(code))
            curve.append((done, time.perf_counter() - started, s, c, total))
            if total < best_loss:
                best, best_loss, stale = code.numpy(), total, 0
                if on_best is not None:
                    on_best(finished(done))
            else:
                stale += 1
            if preview is not None:
                details["preview"] = _painted(model, preview, best)
        report(done, **details)
        if stale >= settings.patience:  # the held-out loss stopped improving: the best is behind us
            break
    return finished(done)


def as_float(features) -> list:
    import tensorflow as tf

    return [tf.cast(f, tf.float32) for f in features]


def _initial_code(init: str, codes: np.ndarray, evaluate) -> np.ndarray:
    """Where learning starts: the built-in style scoring the lowest loss on the held-out crops,
    the mean of the 26, or zeros (scales and shifts of 0: a blank picture)."""
    if init == "zeros":
        return np.zeros(codes.shape[1], np.float32)
    if init == "mean":
        return codes.mean(axis=0)
    scores = [float(evaluate(row)[2]) for row in codes]
    return codes[int(np.argmin(scores))].copy()


def _painted(model, photo: Image.Image, code: np.ndarray) -> np.ndarray:
    from nst.io.images import to_array
    from nst.nets.tiling import padded4

    pixels = to_array(photo.convert("RGB"))
    h, w = pixels.shape[:2]
    return np.asarray(model([padded4(pixels[None]), code[None]], training=False), np.float32)[0, :h, :w]
