"""The ``gatys`` engine (Gatys, Ecker & Bethge 2015): optimize the picture itself.

The result's deep features should match the content's (one layer) and its Gram matrices the
style's (five layers). Slow, but the reference for quality. L-BFGS (SciPy's L-BFGS-B on a
TensorFlow gradient, pixels kept in [0, 1]) or Adam; outputs of 1024 px and more are built
coarse to fine (optimize small, upsample, refine). Every loss term is relative (divided by
its target's energy), so the weights mean the same whichever feature network is in use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from nst.engines.contract import EngineBase, PreparedStyle, Settings, TemporalGuide, check_options, check_prepared
from nst.errors import OptionError
from nst.io.images import from_array, to_array
from nst.ops.strokes import stroke_factor
from nst.request.rules import non_negative
from nst.runtime.progress import CancelToken, ProgressCallback, Reporter
from nst.runtime.slots import give_way

COARSE_TO_FINE_FROM = 512  # outputs this large start small (half the time at 512 px, same quality)
COARSEST = 256
STYLE_MAX_SIDE = 512  # style images are seen at most this large


def _option(default, help: str, **ui):
    """A Gatys option with its help text (CLI) and, for those the app shows, its slider range."""
    return field(default=default, metadata={"help": help, **ui})


@dataclass(frozen=True)
class GatysOptions:
    iterations: int = _option(200, "optimization steps", slider=(50, 1000, 50), work=True)
    content_weight: float = _option(1.0, "weight of the content loss")
    style_weight: float = _option(1e4, "weight of the style loss, times strength")  # tuned on benchmarks/quality.py
    tv_weight: float = _option(0.5, "weight of the total variation (smoothness) loss")
    init: str = _option("content", "start from the photo or from noise", choices=("content", "noise"))
    optimizer: str = _option("lbfgs", "L-BFGS-B or Adam", choices=("lbfgs", "adam"))
    learning_rate: float = _option(0.02, "Adam's step size")
    coarse_to_fine: bool = _option(True, "optimize small first, then refine at full size")
    temporal_weight: float = _option(1e3, "video: weight of the loss toward the previous frame warped onto this one")
    preview_every: int = _option(10, "iterations between previews")
    seed: int = _option(0, "seed of the noise start")

    def check(self) -> GatysOptions:
        if not isinstance(self.iterations, int) or not 1 <= self.iterations <= 10_000:
            raise OptionError(f"iterations must be from 1 to 10000, got {self.iterations}")
        if self.init not in ("content", "noise"):
            raise OptionError(f"init must be content or noise, got {self.init!r}")
        if self.optimizer not in ("lbfgs", "adam"):
            raise OptionError(f"optimizer must be lbfgs or adam, got {self.optimizer!r}")
        for name in ("content_weight", "style_weight", "tv_weight", "learning_rate", "temporal_weight"):
            non_negative(getattr(self, name), name)
        if not isinstance(self.preview_every, int) or self.preview_every < 1:
            raise OptionError(f"preview_every must be a whole number of at least 1, got {self.preview_every}")
        return self


def gram(features):
    """Channel correlations averaged over positions: (batch, C, C)."""
    import tensorflow as tf

    shape = tf.shape(features)
    flat = tf.reshape(features, (shape[0], -1, shape[3]))
    return tf.matmul(flat, flat, transpose_a=True) / tf.cast(shape[1] * shape[2], features.dtype)


def masked_gram(features, regions):
    """One Gram matrix per region (batch, K, C, C): channel correlations averaged over the region's
    positions, weighted by its mask resized to the features (Gatys et al. 2017, spatial control)."""
    import tensorflow as tf

    shape = tf.shape(features)
    weights = tf.image.resize(regions, shape[1:3], method="bilinear", antialias=True)
    flat = tf.reshape(features, (shape[0], -1, shape[3]))
    flat_weights = tf.reshape(weights, (shape[0], -1, tf.shape(weights)[3]))
    weighted = tf.einsum("npk,npc->nkpc", flat_weights, flat)
    total = tf.maximum(tf.reduce_sum(flat_weights, axis=1), 1e-6)[:, :, None, None]
    return tf.einsum("nkpc,npd->nkcd", weighted, flat) / total


def stage_sides(side: int, coarse_to_fine: bool) -> list[int]:
    """Long sides to optimize at, coarse to fine (e.g. 2048 -> 512, 1024, 2048)."""
    sides = [side]
    while coarse_to_fine and side >= COARSE_TO_FINE_FROM and sides[0] // 2 >= COARSEST:
        sides.insert(0, sides[0] // 2)
    return sides


def stage_iterations(total: int, stages: int) -> list[int]:
    """Most work at the coarsest (cheapest) stage; each finer one refines with total / (2 * stages)."""
    if stages == 1:
        return [total]
    refine = max(1, total // (2 * stages))
    return [total - refine * (stages - 1)] + [refine] * (stages - 1)


class GatysEngine(EngineBase):
    """Optimization-based stylization over a feature network (VGG-19, or offline MobileNetV2).

    A prepared style is the style images at the optimizer's style resolution (at most
    ``STYLE_MAX_SIDE``) and their blend weights: the Gram targets depend on the output size.
    """

    name = "gatys"
    description = "Gatys optimization (2015): slowest, finest; VGG-19 features, or MobileNetV2 offline"
    options_type = GatysOptions
    iterative = True
    scales_strokes = True  # style targets scaled with the stage (see _targets)
    takes_guide = True  # video (Ruder et al. 2016): start from the warped previous frame, a loss toward it

    def __init__(self) -> None:
        from nst.nets.features import load_feature_net
        from nst.runtime.tf import import_tensorflow

        self._tf = import_tensorflow()
        self.features = load_feature_net()
        self.note = self.features.note
        self._lock = threading.Lock()
        tf = self._tf
        model = self.features.model

        @tf.function(reduce_retracing=True)
        def losses(image, content_target, style_targets, weights, prior, trust, regions=None):
            feats = model(image, training=False)
            content = tf.reduce_sum(tf.square(feats[0] - content_target)) / tf.reduce_sum(tf.square(content_target))
            # regional styles: each region's Gram matrix against its own style's (targets N x K x C x C)
            grams = gram if regions is None else (lambda f: masked_gram(f, regions))
            style = tf.add_n(
                [
                    tf.reduce_sum(tf.square(grams(f) - t)) / tf.reduce_sum(tf.square(t))
                    for f, t in zip([image, *feats[1:]], style_targets, strict=True)
                ]
            ) / len(style_targets)
            dy = image[:, 1:, :, :] - image[:, :-1, :, :]
            dx = image[:, :, 1:, :] - image[:, :, :-1, :]
            tv = (tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))) * 100.0
            # video: squared distance to the warped previous frame where the flow is trusted
            temporal = tf.reduce_sum(trust * tf.square(image - prior)) / (
                tf.reduce_sum(trust * tf.square(prior)) + 1e-6
            )
            total = weights[0] * content + weights[1] * style + weights[2] * tv + weights[3] * temporal
            return total, content, style, tv

        @tf.function(reduce_retracing=True)
        def value_and_grad(image, content_target, style_targets, weights, prior, trust, regions=None):
            with tf.GradientTape() as tape:
                tape.watch(image)
                total, content, style, tv = losses(image, content_target, style_targets, weights, prior, trust, regions)
            return total, content, style, tv, tape.gradient(total, image)

        self._value_and_grad = value_and_grad
        self._model: Any = model
        self._prior: tuple = ()  # the temporal loss's (target, trust) for the stage being optimized
        self._regions = None  # regional styles: the masks at the stage's size (1 x H x W x K), or None

    def prepare(self, styles: list[Image.Image], weights: np.ndarray) -> PreparedStyle:
        arrays = {"weights": np.asarray(weights, np.float32)}
        for i, style in enumerate(styles):
            small = style.copy()
            small.thumbnail((STYLE_MAX_SIDE, STYLE_MAX_SIDE), Image.Resampling.LANCZOS)
            arrays[f"style{i}"] = np.asarray(small, np.uint8)
        return PreparedStyle.of(self.name, **arrays)

    def _targets(self, content: np.ndarray, styles: list[PreparedStyle], side: int, stroke_scale: float):
        """Content features and Gram targets for a stage of long side ``side``: one style's
        (1 x C x C per layer), or one per region (1 x K x C x C)."""
        tf = self._tf
        content_target = self._model(content[None], training=False)[0]
        per_style = [self._style_grams(style, side, stroke_scale) for style in styles]
        if len(styles) == 1:
            return tf.constant(content_target), [tf.constant(g) for g in per_style[0]]
        layers = zip(*per_style, strict=True)
        return tf.constant(content_target), [tf.constant(np.stack([g[0] for g in grams])[None]) for grams in layers]

    def _style_grams(self, style: PreparedStyle, side: int, stroke_scale: float) -> list[np.ndarray]:
        """A style's blended Gram matrices (1 x C x C per layer) for a stage of long side ``side``.
        Past the brush size's working side the style image is seen proportionally larger, so
        strokes keep their size relative to the picture (what the feed-forward engines get from
        painting at a working size)."""
        tf = self._tf
        factor = stroke_factor(side, stroke_scale)
        grams: list = []
        for i, weight in enumerate(style["weights"]):
            small = Image.fromarray(style[f"style{i}"])
            scale = min(side, STYLE_MAX_SIDE, max(small.size)) * factor / max(small.size)
            size = (max(16, round(small.width * scale)), max(16, round(small.height * scale)))
            small = (
                small.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
                if scale != 1
                else small
            )
            pixels = to_array(small)[None]
            # the pixels themselves count as a style layer: their Gram carries the palette
            feats = [tf.constant(pixels), *self._model(pixels, training=False)[1:]]
            layer_grams = [float(weight) * gram(f) for f in feats]
            grams = [g + h for g, h in zip(grams, layer_grams, strict=True)] if grams else layer_grams
        return [np.asarray(g, np.float32) for g in grams]

    def render(
        self,
        content: np.ndarray,
        style: PreparedStyle,
        settings: Settings,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        guide: TemporalGuide | None = None,
    ) -> np.ndarray:
        """Optimize; a cancelled token ends early, keeping the best image so far. With a ``guide``
        (a video frame) it starts from the warped previous result at full size and is pulled
        toward it where the flow is trusted (Ruder et al. 2016)."""
        return self._optimize(content, [style], None, settings, progress, cancel, guide)

    paints_regions = True

    def render_regions(self, content, styles, masks, settings, *, progress=None, cancel=None) -> np.ndarray:
        """Each region's Gram matrices matched to its own style's, in one optimization."""
        return self._optimize(content, list(styles), masks, settings, progress, cancel, None)

    def _optimize(self, content, styles, masks, settings, progress, cancel, guide) -> np.ndarray:
        for style in styles:
            check_prepared(style, self.name)
        options = check_options(GatysOptions, settings.options, self.name)
        height, width = content.shape[:2]
        sides = stage_sides(max(height, width), options.coarse_to_fine and guide is None)
        budgets = stage_iterations(options.iterations, len(sides))
        loss_weights = np.array(
            [options.content_weight, options.style_weight * settings.strength, options.tv_weight, 0.0], np.float32
        )
        if guide is not None:
            loss_weights[3] = options.temporal_weight
        rng = np.random.default_rng(options.seed)
        reporter = Reporter(progress, options.iterations, "iteration")

        def should_stop() -> bool:
            give_way()  # a photo waiting for this slot runs between two iterations
            return cancel is not None and cancel.cancelled

        original = from_array(content)
        done, image = 0, None
        # an iteration costs about its stage's pixels: the bar and the time left follow that work
        costs = np.array([b * s * s for s, b in zip(sides, budgets, strict=True)], np.float64)
        begins = np.concatenate([[0.0], np.cumsum(costs)[:-1]]) / costs.sum()
        shares = costs / costs.sum()
        with self._lock:  # one optimization per engine at a time; TF graphs are shared
            for index, (side, budget) in enumerate(zip(sides, budgets, strict=True)):
                scale = side / max(height, width)
                size = (max(16, round(width * scale)), max(16, round(height * scale)))
                target = (
                    to_array(original.resize(size, Image.Resampling.LANCZOS)) if size != (width, height) else content
                )
                if image is None and guide is not None:  # unoccluded parts from the past, the rest from the photo
                    image = (content + guide.weight[..., None] * (guide.image - content)).astype(np.float32)
                elif image is None:
                    image = target.copy() if options.init == "content" else rng.random(target.shape, np.float32)
                else:
                    image = to_array(from_array(image).resize(size, Image.Resampling.BICUBIC))
                content_target, style_targets = self._targets(target, styles, side, settings.stroke_scale)
                self._prior = self._temporal_target(guide, image.shape)  # for _evaluate, under the lock
                self._regions = None if masks is None else self._tf.constant(masks[None], self._tf.float32)
                stage = f"{size[0]}x{size[1]}"

                def report(iteration, losses, preview, stage=stage, first=done, index=index, budget=budget):
                    named = dict(zip(("content", "style", "tv"), losses, strict=True))
                    work = begins[index] + shares[index] * min(1.0, (iteration - first) / budget)
                    reporter(iteration, stage=stage, preview=preview, losses=named, work=float(work))

                run = self._lbfgs if options.optimizer == "lbfgs" else self._adam
                image, done, stopped = run(
                    image, content_target, style_targets, loss_weights, budget, options, report, should_stop, done
                )
                if stopped:
                    break
        assert image is not None  # every plan has a stage
        out = np.clip(image, 0.0, 1.0)
        if out.shape[:2] != (height, width):
            out = to_array(from_array(out).resize((width, height), Image.Resampling.BICUBIC))
        return out

    def _temporal_target(self, guide: TemporalGuide | None, shape: tuple) -> tuple:
        """(previous frame warped, trust) as tensors for the temporal loss, once per stage; zero
        trust (no temporal loss) for a still."""
        tf = self._tf
        if guide is None:
            return tf.zeros((1, *shape)), tf.zeros((1, *shape[:2], 1))
        return tf.constant(guide.image[None], tf.float32), tf.constant(guide.weight[None, ..., None], tf.float32)

    def _evaluate(self, image: np.ndarray, content_target, style_targets, loss_weights):
        tf = self._tf
        prior, trust = self._prior
        total, content, style, tv, grad = self._value_and_grad(
            tf.constant(image[None]), content_target, style_targets, tf.constant(loss_weights), prior, trust,
            self._regions,
        )  # fmt: skip
        return float(total), (float(content), float(style), float(tv)), np.asarray(grad)[0]

    def _lbfgs(self, image, content_target, style_targets, loss_weights, budget, settings, report, should_stop, offset):
        from scipy.optimize import Bounds, minimize

        shape = image.shape
        best = {"loss": np.inf, "image": image, "losses": (0.0, 0.0, 0.0)}
        state = {"iteration": 0, "stopped": False}

        def fun(x):
            current = x.reshape(shape).astype(np.float32)
            total, losses, grad = self._evaluate(current, content_target, style_targets, loss_weights)
            if total < best["loss"]:
                best.update(loss=total, image=current, losses=losses)
            return total, grad.ravel().astype(np.float64)

        def callback(intermediate_result=None):
            state["iteration"] += 1
            it = state["iteration"]
            preview = it % settings.preview_every == 0 or it == budget
            report(offset + it, best["losses"], best["image"] if preview else None)
            if should_stop():
                state["stopped"] = True
                raise StopIteration

        minimize(
            fun,
            image.ravel().astype(np.float64),
            jac=True,
            method="L-BFGS-B",
            bounds=Bounds(0.0, 1.0),
            callback=callback,
            options={"maxiter": budget, "maxfun": budget * 2, "maxcor": 10},
        )
        return best["image"], offset + state["iteration"], state["stopped"]

    def _adam(self, image, content_target, style_targets, loss_weights, budget, settings, report, should_stop, offset):
        lr, beta1, beta2, eps = settings.learning_rate, 0.9, 0.999, 1e-8
        m = np.zeros_like(image)
        v = np.zeros_like(image)
        best_loss, best, best_losses = np.inf, image, (0.0, 0.0, 0.0)
        for it in range(1, budget + 1):
            total, losses, grad = self._evaluate(image, content_target, style_targets, loss_weights)
            if total < best_loss:
                best_loss, best, best_losses = total, image.copy(), losses
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            step = lr * (m / (1 - beta1**it)) / (np.sqrt(v / (1 - beta2**it)) + eps)
            image = np.clip(image - step, 0.0, 1.0).astype(np.float32)
            report(offset + it, best_losses, best if it % settings.preview_every == 0 or it == budget else None)
            if should_stop():
                return best, offset + it, True
        return best, offset + budget, False
