"""Train the AdaIN decoder: ``nst train --content DIR --styles DIR --vgg NPZ --out DIR``.

Stoppable and resumable (``--resume``) over several runs: checkpoints hold the decoder, the
optimizer, the step and the wall time spent. Losses (Huang & Belongie 2017, adapted):
  - content: the decoded image, encoded again, against the AdaIN target (encoder space);
  - style: VGG-19 relu1_1..relu3_1 channel mean/std against the style image's (the metric's);
  - optional VGG relu3_1 content loss against the content photo, and total variation.
With ``--band-loss`` the losses see the picture after the engine's band-contrast step
(nst.ops.bands), so the decoder learns what that step leaves to it.
Weights and data are given by path; nothing here ships with the product except the decoder
file ``--export`` writes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nst.nets.adain import CUTS, DEFAULT_CUT


@dataclass
class LossWeights:
    content: float = 1.0  # encoder space, against the AdaIN target
    style: float = 3.0  # VGG mean/std
    vgg_content: float = 0.2  # VGG relu3_1, against the content photo
    tv: float = 0.0


def load_folder(folder: Path, files: list[Path], short_side: int) -> list[np.ndarray]:
    """Decoded images, shorter side at most ``short_side`` (once, kept in memory)."""
    from PIL import Image

    from nst.errors import ImageError
    from nst.io.images import load_image

    arrays = []
    for path in files:
        try:
            image = load_image(path)
        except ImageError as exc:
            print(f"skipping {path}: {exc}", file=sys.stderr)
            continue
        scale = short_side / min(image.size)
        if scale < 1:
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        arrays.append(np.asarray(image))
    if not arrays:
        raise SystemExit(f"no usable images in {folder}")
    return arrays


def augmented(arrays: list[np.ndarray], size: int, batch: int, seed: int):
    """Endless batches of random crops of random scale (shorter side size..2*size), flipped at random."""
    import tensorflow as tf

    def generate():
        yield from arrays

    dataset = tf.data.Dataset.from_generator(generate, output_signature=tf.TensorSpec((None, None, 3), tf.uint8))

    def crop(image):
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        short = tf.random.uniform((), float(size), float(2 * size), seed=seed)
        scale = tf.maximum(short / tf.reduce_min(shape), float(size) / tf.reduce_min(shape))
        new = tf.cast(tf.math.ceil(shape * scale), tf.int32)
        image = tf.image.resize(tf.cast(image, tf.float32) / 255.0, new, antialias=True)
        image = tf.image.random_crop(image, (size, size, 3), seed=seed)
        return tf.clip_by_value(tf.image.random_flip_left_right(image, seed=seed), 0.0, 1.0)

    return (
        dataset.cache()
        .repeat()
        .shuffle(len(arrays), seed=seed)
        .map(crop, num_parallel_calls=2)
        .batch(batch, drop_remainder=True)
        .prefetch(2)
    )


def center_crops(arrays: list[np.ndarray], size: int) -> np.ndarray:
    from PIL import Image

    from nst.io.images import center_square

    return np.stack([np.asarray(center_square(Image.fromarray(a), size), np.float32) / 255.0 for a in arrays])


class Trainer:
    """Decoder, frozen encoder and VGG loss network, optimizer and the step functions."""

    def __init__(self, cut: str, vgg_path: str, weights: LossWeights, lr: float, bands: bool = False):
        import keras
        import tensorflow as tf

        from nst.nets.adain import build_decoder, build_encoder
        from nst.nets.vgg import build_vgg_encoder

        self.encoder = build_encoder(cut)
        self.decoder = build_decoder(cut)
        self.vgg = build_vgg_encoder(vgg_path)
        self.weights = weights
        self.cut = cut
        self.bands = bands
        self.step = tf.Variable(0, dtype=tf.int64, name="step")
        self.seconds = tf.Variable(0.0, dtype=tf.float64, name="seconds")
        schedule = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1000, decay_rate=0.2)
        self.optimizer = keras.optimizers.Adam(schedule)
        self.train_step = tf.function(self._train_step)
        self.evaluate = tf.function(self._evaluate)

    def _encode(self, images) -> list:
        """Encoder features (one per level of the cut) with the engine's mirrored border
        (AdaINNetwork.padded), so training sees what inference sees."""
        from nst.nets.adain import BORDER, encode
        from nst.ops.padding import mirror_pad

        return encode(self.encoder, mirror_pad(images, BORDER))

    def _targets(self, content, style) -> list:
        """The decoder's inputs: AdaIN targets, one per level of the cut (then the style code for
        a coded cut)."""
        from nst.nets.adain import CODED_CUTS, style_code
        from nst.ops.adain import adaptive_instance_normalization
        from nst.ops.moments import calc_mean_std

        targets, stats = [], []
        for c, s in zip(self._encode(content), self._encode(style), strict=True):
            stats = calc_mean_std(s, fast=True)
            targets.append(adaptive_instance_normalization(c, *stats))
        return targets + ([style_code(*stats)] if self.cut in CODED_CUTS else [])  # the coarsest level's

    def _decode(self, targets, training: bool):
        """Decoder output inside the border (linear: the losses see it unclipped)."""
        from nst.nets.adain import BORDER

        return self.decoder(targets, training=training)[:, BORDER:-BORDER, BORDER:-BORDER]

    def _engine_picture(self, targets, content, style):
        """What the engine shows at strength 1: the output clipped, with the style's colour mean and
        covariance and band contrast (nst.ops.bands), then its last step (nst.nets.adain.faded_picture).
        Only for validation: with the colour step inside the training loss, the decoder learnt to
        flatten its output (whitening then amplifies it) and training diverged."""
        import tensorflow as tf

        from nst.nets.adain import faded_picture, finish_picture
        from nst.ops.bands import contrasts
        from nst.ops.color import color_statistics, color_transform

        out = tf.clip_by_value(self._decode(targets, training=False), 0.0, 1.0)

        def recolour(triple):
            image, photo, reference = triple[0][None], triple[1][None], triple[2][None]
            statistics = (color_statistics(image, dtype="float64"), color_statistics(reference, dtype="float64"))
            painted = contrasts(reference)  # [(band contrast, detail contrast)]: one region
            picture = finish_picture(image, [color_transform(*statistics)], [painted[0][0]])[0]
            return faded_picture(picture, photo, painted, 1.0)[0][0]

        return tf.map_fn(recolour, (out, content, style), fn_output_signature=tf.float32)

    def _losses(self, content, style):
        import tensorflow as tf

        from nst.nets.vgg import content_loss, style_loss

        targets = self._targets(content, style)
        levels = len(CUTS[self.cut])  # the targets; then a coded cut's style code
        out = self._decode(targets, training=True)
        if self.bands:
            from nst.ops.bands import match_each_band_contrast

            out = match_each_band_contrast(out, style)
        vgg_out = self.vgg(out)
        losses = {
            "content": sum(
                tf.reduce_mean(tf.square(f - t)) for f, t in zip(self._encode(out), targets[:levels], strict=True)
            ),
            "style": style_loss(vgg_out, self.vgg(style)),
            "vgg_content": content_loss(vgg_out[2], self.vgg(content)[2]),
            "tv": tf.reduce_mean(tf.abs(out[:, 1:] - out[:, :-1]))
            + tf.reduce_mean(tf.abs(out[:, :, 1:] - out[:, :, :-1])),
        }
        losses["total"] = sum(getattr(self.weights, k) * losses[k] for k in ("content", "style", "vgg_content", "tv"))
        return losses, out

    def _train_step(self, content, style):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            losses, _ = self._losses(content, style)
        variables = self.decoder.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(losses["total"], variables), variables, strict=True))
        self.step.assign_add(1)
        return losses

    def _evaluate(self, content, style):
        """The benchmark's metric on fixed validation pairs."""
        from nst.nets.vgg import content_loss, style_loss

        out = self._engine_picture(self._targets(content, style), content, style)
        vgg_out = self.vgg(out)
        return {
            "val_style": style_loss(vgg_out, self.vgg(style)),
            "val_content": content_loss(vgg_out[2], self.vgg(content)[2]),
        }


def progress_line(step: int, total: int, losses: dict, seconds_per_step: float) -> str:
    filled = int(30 * step / max(1, total))
    eta = (total - step) * seconds_per_step / 60
    text = " ".join(f"{k} {float(v):.4g}" for k, v in losses.items())
    bar = "#" * filled + "." * (30 - filled)
    return f"[{bar}] {step}/{total} {text} ({seconds_per_step:.2f} s/step, {eta:.0f} min left)"


def stop_on_signals():
    """An event that Ctrl-C and SIGTERM (also in a background job, where SIGINT starts ignored)
    set: the run stops after the current step with a final checkpoint. Raising from the handler
    instead could land inside a running TensorFlow call and crash the process (seen: SIGSEGV /
    SIGABRT in about 1 of 10 stops). A second signal acts as it would by default."""
    import signal
    import threading

    stop = threading.Event()

    def request(signum, _frame):
        stop.set()
        signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request)
    return stop


def build_parser(prog: str = "nst train") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Train the AdaIN decoder of the adain engine.")
    p.add_argument("--content", required=True, help="folder of content photos (e.g. COCO)")
    p.add_argument("--styles", required=True, help="folder of style images (e.g. WikiArt)")
    p.add_argument("--vgg", required=True, help="VGG-19 relu3_1 weights (.npz) for the losses")
    p.add_argument("--out", required=True, help="folder for checkpoints, TensorBoard logs and decoder.npz")
    p.add_argument("--steps", type=int, default=5000, help="train until this step (counted across resumes)")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    p.add_argument("--init", help="start a new run from these decoder weights (e.g. assets/adain_decoder.npz)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=256, help="crop side in pixels")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--cut", choices=sorted(CUTS), default=DEFAULT_CUT, help="encoder layers AdaIN works on")
    for name, value in asdict(LossWeights()).items():
        p.add_argument(
            f"--{name.replace('_', '-')}-weight", type=float, help=f"default {value}; on --resume the run's own"
        )
    p.add_argument(
        "--precision", choices=("bfloat16", "float32"), default="bfloat16", help="oneDNN bf16 mixed precision"
    )
    p.add_argument("--band-loss", action="store_true", help="losses on the picture after band contrast (nst.ops.bands)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--validate-every", type=int, default=200)
    p.add_argument(
        "--export", help="also write the decoder weights here at every checkpoint (e.g. assets/adain_decoder.npz)"
    )
    return p


def main(argv: list[str] | None = None, prog: str = "nst train") -> int:
    args = build_parser(prog).parse_args(argv)
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.resume:
        raise SystemExit(f"{out} is not empty: pass --resume to continue, or another --out")
    out.mkdir(parents=True, exist_ok=True)

    from nst.runtime.tf import import_tensorflow

    tf = import_tensorflow()
    import keras

    from nst.nets.adain import save_decoder
    from nst.training.data import image_files, split

    if args.precision == "bfloat16":
        tf.config.optimizer.set_experimental_options({"auto_mixed_precision_onednn_bfloat16": True})
    settings_file = out / "settings.json"
    given = {k: getattr(args, f"{k}_weight") for k in asdict(LossWeights()) if getattr(args, f"{k}_weight") is not None}
    saved = json.loads(settings_file.read_text()) if args.resume and settings_file.is_file() else None
    if saved:  # a resumed run keeps its cut and its loss weights, except those given again
        args.cut = saved["cut"]
        args.band_loss = saved.get("band_loss", False)
        weights = LossWeights(**{**saved["weights"], **given})
    else:
        weights = LossWeights(**given)
    runs = (saved or {}).get("runs", []) + [{"args": vars(args), "weights": asdict(weights)}]
    seed = args.seed + 1000 * (len(runs) - 1)  # each resumed run draws fresh batches, reproducibly
    keras.utils.set_random_seed(seed)
    settings = {"cut": args.cut, "band_loss": args.band_loss, "weights": asdict(weights), "runs": runs}
    settings_file.write_text(json.dumps(settings, indent=1))

    content_train, content_val = split(image_files(args.content))
    style_train, style_val = split(image_files(args.styles))
    print(
        f"content {len(content_train)} train / {len(content_val)} validation; "
        f"styles {len(style_train)} train / {len(style_val)} validation",
        file=sys.stderr,
    )
    short = 2 * args.size
    contents = augmented(load_folder(args.content, content_train, short), args.size, args.batch, seed)
    styles = augmented(load_folder(args.styles, style_train, short), args.size, args.batch, seed + 1)
    pairs = min(len(content_val), len(style_val), 8)
    if pairs == 0 or not content_train or not style_train:
        raise SystemExit("each folder needs images on both sides of the split (10 % are held out by name)")
    val_content = center_crops(load_folder(args.content, content_val[:pairs], args.size), args.size)
    val_style = center_crops(load_folder(args.styles, style_val[:pairs], args.size), args.size)

    trainer = Trainer(args.cut, args.vgg, weights, args.lr, args.band_loss)
    checkpoint = tf.train.Checkpoint(
        decoder=trainer.decoder, optimizer=trainer.optimizer, step=trainer.step, seconds=trainer.seconds
    )
    manager = tf.train.CheckpointManager(checkpoint, out / "checkpoints", max_to_keep=3)
    if args.resume and manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).expect_partial()
        print(f"resumed at step {int(trainer.step.numpy())} from {manager.latest_checkpoint}", file=sys.stderr)
    elif args.init:
        from nst.nets.adain import init_decoder

        new = init_decoder(trainer.decoder, args.init)
        if len(new) == len(trainer.decoder.weights):
            raise SystemExit(f"{args.init} has no weights that fit a decoder for encoder cut {args.cut}")
        print(f"decoder initialized from {args.init}" + (f" (new: {', '.join(new)})" if new else ""), file=sys.stderr)
    writer = tf.summary.create_file_writer(str(out / "logs"))

    def save() -> None:
        manager.save(checkpoint_number=trainer.step)
        save_decoder(trainer.decoder, args.cut, out / "decoder.npz")
        if args.export:
            save_decoder(trainer.decoder, args.cut, args.export)

    stop = stop_on_signals()
    tty = sys.stderr.isatty()
    batches = iter(tf.data.Dataset.zip(contents, styles))
    started, recent = time.monotonic(), list[float]()
    step = int(trainer.step.numpy())
    while step < args.steps and not stop.is_set():
        t0 = time.monotonic()
        content, style = next(batches)
        losses = trainer.train_step(content, style)
        step = int(trainer.step.numpy())
        elapsed = time.monotonic() - t0
        trainer.seconds.assign_add(elapsed)
        recent = (recent + [elapsed])[-20:]
        with writer.as_default(step=step):
            for name, value in losses.items():
                tf.summary.scalar(f"train/{name}", value)
        if step % args.validate_every == 0 or step == args.steps:
            scores = trainer.evaluate(val_content, val_style)
            with writer.as_default(step=step):
                for name, value in scores.items():
                    tf.summary.scalar(f"validation/{name.removeprefix('val_')}", value)
            losses = {**losses, **scores}
        line = progress_line(step, args.steps, losses, float(np.median(recent)))
        if tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif step % 20 == 0 or "val_style" in losses:
            print(line, file=sys.stderr, flush=True)
        if step % args.checkpoint_every == 0:
            save()
    if stop.is_set():
        print("\nstopped; saving a checkpoint", file=sys.stderr)
    save()
    total = float(trainer.seconds.numpy())
    print(
        f"\nstep {step}; {time.monotonic() - started:.0f} s this run, {total / 3600:.2f} h of training in all",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m nst.training.train"))
