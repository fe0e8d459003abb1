"""Validation curve of a training run from its TensorBoard scalars, as a Markdown table.

python -m benchmarks.training_curve runs/adain
"""

from __future__ import annotations

import sys
from pathlib import Path


def curve(run: Path) -> dict[str, dict[int, float]]:
    """{tag: {step: value}} for every scalar the run logged (all event files, resumes included)."""
    import tensorflow as tf
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    values: dict[str, dict[int, float]] = {}
    for events in sorted((run / "logs").glob("events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events), size_guidance={"tensors": 0})
        accumulator.Reload()
        for tag in accumulator.Tags()["tensors"]:
            for event in accumulator.Tensors(tag):
                values.setdefault(tag, {})[event.step] = float(tf.make_ndarray(event.tensor_proto))
    return values


def main(run: str) -> None:
    values = curve(Path(run))
    style, content = values.get("validation/style", {}), values.get("validation/content", {})
    print("| step | validation style | validation content |\n| --- | --- | --- |")
    for step in sorted(style):
        print(f"| {step} | {style[step]:.3f} | {content.get(step, float('nan')):.3f} |")


if __name__ == "__main__":
    main(sys.argv[1])
