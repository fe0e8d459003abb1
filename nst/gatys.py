"""The ``gatys`` engine (Gatys, Ecker & Bethge 2015): optimize the picture itself.

The result's deep features should match the content's (one layer) and its Gram matrices the
style's (five layers). Slow, but the reference for quality. L-BFGS (SciPy's L-BFGS-B on a
TensorFlow gradient, pixels kept in [0, 1]) or Adam; outputs of 1024 px and more are built
coarse to fine (optimize small, upsample, refine). Every loss term is relative (divided by
its target's energy), so the weights mean the same whichever feature network is in use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from nst.errors import OptionError
from nst.images import from_array, to_array

COARSE_TO_FINE_FROM = 512  # outputs this large start small (half the time at 512 px, same quality)
COARSEST = 256
STYLE_MAX_SIDE = 512  # style images are seen at most this large


@dataclass(frozen=True)
class GatysSettings:
    iterations: int = 200
    content_weight: float = 1.0
    style_weight: float = 1e4  # times strength; tuned on the quality metric (benchmarks/quality.py)
    tv_weight: float = 0.5
    init: str = "content"  # or "noise"
    optimizer: str = "lbfgs"  # or "adam"
    learning_rate: float = 0.02  # Adam only
    coarse_to_fine: bool = True
    preview_every: int = 10
    seed: int = 0

    def check(self) -> GatysSettings:
        if not 1 <= self.iterations <= 10_000:
            raise OptionError(f"iterations must be from 1 to 10000, got {self.iterations}")
        if self.init not in ("content", "noise"):
            raise OptionError(f"init must be content or noise, got {self.init!r}")
        if self.optimizer not in ("lbfgs", "adam"):
            raise OptionError(f"optimizer must be lbfgs or adam, got {self.optimizer!r}")
        if min(self.content_weight, self.style_weight, self.tv_weight, self.learning_rate) < 0:
            raise OptionError("Gatys weights and learning rate must be non-negative")
        return self


@dataclass
class GatysProgress:
    """One report: iteration counts over all stages; ``image`` (float HxWx3) every few iterations."""

    iteration: int
    total: int
    stage: str
    content_loss: float
    style_loss: float
    tv_loss: float
    image: np.ndarray | None
    seconds: float


def gram(features):
    """Channel correlations averaged over positions: (batch, C, C)."""
    import tensorflow as tf

    shape = tf.shape(features)
    flat = tf.reshape(features, (shape[0], -1, shape[3]))
    return tf.matmul(flat, flat, transpose_a=True) / tf.cast(shape[1] * shape[2], features.dtype)


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


class GatysEngine:
    """Optimization-based stylization over a feature network (VGG-19, or offline MobileNetV2)."""

    name = "gatys"

    def __init__(self) -> None:
        from nst.features import load_feature_net
        from nst.tf_runtime import import_tensorflow

        self._tf = import_tensorflow()
        self.features = load_feature_net()
        self.note = self.features.note
        self._lock = threading.Lock()
        tf = self._tf
        model = self.features.model

        @tf.function(reduce_retracing=True)
        def losses(image, content_target, style_targets, weights):
            feats = model(image, training=False)
            content = tf.reduce_sum(tf.square(feats[0] - content_target)) / tf.reduce_sum(tf.square(content_target))
            style = tf.add_n(
                [
                    tf.reduce_sum(tf.square(gram(f) - t)) / tf.reduce_sum(tf.square(t))
                    for f, t in zip([image, *feats[1:]], style_targets, strict=True)
                ]
            ) / len(style_targets)
            dy = image[:, 1:, :, :] - image[:, :-1, :, :]
            dx = image[:, :, 1:, :] - image[:, :, :-1, :]
            tv = (tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))) * 100.0
            total = weights[0] * content + weights[1] * style + weights[2] * tv
            return total, content, style, tv

        @tf.function(reduce_retracing=True)
        def value_and_grad(image, content_target, style_targets, weights):
            with tf.GradientTape() as tape:
                tape.watch(image)
                total, content, style, tv = losses(image, content_target, style_targets, weights)
            return total, content, style, tv, tape.gradient(total, image)

        self._value_and_grad = value_and_grad
        self._model = model

    def _targets(self, content: np.ndarray, styles: list[Image.Image], blend: np.ndarray, side: int):
        tf = self._tf
        content_target = self._model(content[None], training=False)[0]
        grams = None
        for weight, style in zip(blend, styles, strict=True):
            small = style.copy()
            small.thumbnail((min(side, STYLE_MAX_SIDE), min(side, STYLE_MAX_SIDE)), Image.LANCZOS)
            pixels = to_array(small)[None]
            # the pixels themselves count as a style layer: their Gram carries the palette
            feats = [tf.constant(pixels), *self._model(pixels, training=False)[1:]]
            layer_grams = [float(weight) * gram(f) for f in feats]
            grams = layer_grams if grams is None else [g + h for g, h in zip(grams, layer_grams, strict=True)]
        return tf.constant(content_target), [tf.constant(g) for g in grams]

    def stylize(
        self,
        content: Image.Image,
        styles: list[Image.Image],
        weights: np.ndarray,
        strength: float,
        *,
        settings: GatysSettings | None = None,
        progress: Callable[[GatysProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        """Optimize; ``should_stop()`` ends early, keeping the best image so far."""
        settings = (settings or GatysSettings()).check()
        sides = stage_sides(max(content.size), settings.coarse_to_fine)
        budgets = stage_iterations(settings.iterations, len(sides))
        loss_weights = np.array(
            [settings.content_weight, settings.style_weight * strength, settings.tv_weight], np.float32
        )
        rng = np.random.default_rng(settings.seed)
        start, done, image = time.perf_counter(), 0, None
        with self._lock:  # one optimization per engine at a time; TF graphs are shared
            for side, budget in zip(sides, budgets, strict=True):
                scale = side / max(content.size)
                size = (max(16, round(content.width * scale)), max(16, round(content.height * scale)))
                target = to_array(content.resize(size, Image.LANCZOS) if size != content.size else content)
                if image is None:
                    image = target.copy() if settings.init == "content" else rng.random(target.shape, np.float32)
                else:
                    image = to_array(from_array(image).resize(size, Image.BICUBIC))
                content_target, style_targets = self._targets(target, styles, weights, side)
                stage = f"{size[0]}x{size[1]}"

                def report(iteration, losses, preview, stage=stage):
                    if progress is not None:
                        elapsed = time.perf_counter() - start
                        progress(GatysProgress(iteration, settings.iterations, stage, *losses, preview, elapsed))

                run = self._lbfgs if settings.optimizer == "lbfgs" else self._adam
                image, done, stopped = run(
                    image, content_target, style_targets, loss_weights, budget, settings, report, should_stop, done
                )
                if stopped:
                    break
        out = np.clip(image, 0.0, 1.0)
        if out.shape[:2] != (content.height, content.width):
            out = to_array(from_array(out).resize(content.size, Image.BICUBIC))
        return out

    def _evaluate(self, image: np.ndarray, content_target, style_targets, loss_weights):
        tf = self._tf
        total, content, style, tv, grad = self._value_and_grad(
            tf.constant(image[None]), content_target, style_targets, tf.constant(loss_weights)
        )
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
            if should_stop is not None and should_stop():
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
            if should_stop is not None and should_stop():
                return best, offset + it, True
        return best, offset + budget, False


def with_iterations(settings: GatysSettings | None, iterations: int | None) -> GatysSettings:
    settings = settings or GatysSettings()
    return replace(settings, iterations=iterations) if iterations is not None else settings
