"""Stylizing every image under a folder: ``nst batch IN_DIR OUT_DIR``, in this process or as a
Ray Data pipeline (an actor pool, models loaded once per actor).

Outputs keep their relative paths (and their format where we write it, else PNG); each is
written whole or not at all, so a rerun skips what exists and resumes. A file that cannot be
stylized is reported and skipped; the batch goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nst.errors import OptionError
from nst.io import images
from nst.io.files import check_writable
from nst.request.model import Request

IMAGE_SUFFIXES = {"." + suffix for suffix in images.INPUT_SUFFIXES}
WRITTEN_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}  # kept; anything else is written as PNG


@dataclass
class Plan:
    """What a batch has to do: (source, target) pairs still to make, and what it leaves alone."""

    todo: list[tuple[Path, Path]] = field(default_factory=list)
    done: int = 0  # targets that exist already (a finished earlier run)
    ignored: int = 0  # files that are not images by their name


def target_for(source: Path, in_dir: Path, out_dir: Path) -> Path:
    relative = source.relative_to(in_dir)
    suffix = relative.suffix.lower()
    return out_dir / (relative if suffix in WRITTEN_SUFFIXES else relative.with_suffix(".png"))


def distinct_targets(sources: list[Path], in_dir: Path, out_dir: Path) -> list[Path]:
    """Each source's target, never two the same: where several map to one file (``x.bmp`` and
    ``x.png``, ``y.tif`` and ``y.tiff``), the one written in its own format keeps the name and
    the others get their extension in it (``x-bmp.png``), the same on every run."""
    targets = [target_for(s, in_dir, out_dir) for s in sources]  # all under out_dir: compared as they are
    claims = Counter(targets)
    named, taken = [], set()
    for source, target in zip(sources, targets, strict=True):
        if claims[target] > 1 and source.suffix.lower() != target.suffix.lower():
            target = target.with_name(f"{target.stem}-{source.suffix.lstrip('.').lower()}{target.suffix}")
        base, n = target, 2
        while target in taken:  # a file of that very name is in the folder too
            target, n = base.with_name(f"{base.stem}-{n}{base.suffix}"), n + 1
        taken.add(target)
        named.append(target)
    return named


def plan_batch(in_dir: str | Path, out_dir: str | Path) -> Plan:
    """Every image file under ``in_dir`` (sorted, hidden files left out) and its target under ``out_dir``."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise OptionError(f"{in_dir} is not a folder")
    if out_dir.resolve() == in_dir.resolve() or in_dir.resolve() in out_dir.resolve().parents:
        raise OptionError(f"the output folder {out_dir} must not be inside {in_dir} (a rerun would stylize results)")
    plan, sources = Plan(), []
    for source in sorted(p for p in in_dir.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in source.relative_to(in_dir).parts):
            continue
        if source.suffix.lower() not in IMAGE_SUFFIXES:
            plan.ignored += 1
            continue
        sources.append(source)
    for source, target in zip(sources, distinct_targets(sources, in_dir, out_dir), strict=True):
        if target.exists():
            plan.done += 1
        else:
            plan.todo.append((source, target))
    if plan.todo:
        check_writable(out_dir)
    return plan


class BatchStylizer:
    """The style prepared once, then ``stylize(source, target)`` per picture. Also the Ray Data
    actor: built once per actor (TensorFlow held to its CPUs), called with batches of paths."""

    def __init__(self, request: Request, cpus: int | None = None, quality: int = 95):
        from nst import api

        if cpus is not None:
            from nst.runtime.tf import limit_threads

            limit_threads(cpus)
        self.request, self.quality = request, quality
        self.style = api.prepare(request)

    def stylize(self, source: Path, target: Path) -> str | None:
        """None when ``target`` is written, else the one-line reason it is not."""
        from nst import api
        from nst.errors import NSTError
        from nst.io.images import save

        try:  # decoded inside the admitted work, as every request is
            result = api.run(self.request.with_content(source, str(source)), prepared=self.style)
            target.parent.mkdir(parents=True, exist_ok=True)
            save(result, target, quality=self.quality)
        except NSTError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot write {target}: {exc.strerror or exc}"
        return None

    def __call__(self, batch: dict) -> dict:
        errors = [self.stylize(Path(s), Path(t)) or "" for s, t in zip(batch["source"], batch["target"], strict=True)]
        return {"source": list(batch["source"]), "error": errors}


def run_local(plan: Plan, stylizer: BatchStylizer) -> Iterator[tuple[Path, str | None]]:
    """(source, error or None) per picture, in this process, in order."""
    for source, target in plan.todo:
        yield source, stylizer.stylize(source, target)


def run_on_ray(plan: Plan, stylizer_args: dict[str, Any], actors: int, cpus: int) -> Iterator[tuple[Path, str | None]]:
    """(source, error or None) per picture from a Ray Data pipeline: ``actors`` actors of
    ``cpus`` CPUs each, each building one :class:`BatchStylizer`. Runs inside a Ray session."""
    import logging

    import ray
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # set up by ray.data on import: its notices
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # ours is the summary
    items = [{"source": str(s), "target": str(t)} for s, t in plan.todo]
    results = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * actors))).map_batches(
        BatchStylizer,
        fn_constructor_kwargs={**stylizer_args, "cpus": cpus},
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=cpus,
    )
    for row in results.iter_rows():
        yield Path(row["source"]), row["error"] or None


def summary(made: int, failed: int, done: int, seconds: float, ignored: int = 0) -> str:
    parts = [f"{made} stylized", f"{failed} failed", f"{done} already done"]
    if ignored:
        parts.append(f"{ignored} other files ignored")
    rate = f", {made / seconds:.2f} pictures/s" if made and seconds > 0 else ""
    return ", ".join(parts) + f" in {seconds:.1f} s{rate}"
