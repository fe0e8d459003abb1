"""Progress on stderr: a redrawn bar on a terminal, a line per tenth otherwise."""

from __future__ import annotations

import sys

from nst.runtime.progress import Progress


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class ProgressBar:
    """Shows any engine's :class:`~nst.runtime.progress.Progress` (tiles or iterations) for one picture;
    nothing for work done in a single step."""

    def __init__(self, name: str, stream=None):
        self.name = name
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_tenth = -1
        self.drawn = False

    def __call__(self, p: Progress) -> None:
        if p.single:
            return
        left = p.seconds_left
        losses = " ".join(f"{k} {v:.4g}" for k, v in p.losses.items())
        text = (
            f"{self.name}: {p.done}/{p.total} {p.unit}s" + (f" at {p.stage}" if p.stage else "")
            + (f", {losses}" if losses else "")
            + (f", {p.done / p.seconds:.1f} {p.unit}s/s" if p.unit == "frame" and p.seconds > 0 else "")
            + f" ({clock(p.seconds)} elapsed" + (f", {clock(left)} left)" if left is not None else ")")
        )  # fmt: skip
        tenth = int(10 * p.fraction)
        if self.tty:
            filled = int(30 * p.fraction)
            print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text}", end="", file=self.stream, flush=True)
            self.drawn = True
        elif tenth != self.last_tenth:
            print(text, file=self.stream, flush=True)
        self.last_tenth = tenth

    def close(self) -> None:
        if self.drawn:
            print(file=self.stream)
            self.drawn = False
