"""Folder batches (issue 20): `nst batch` in-process against `--ray` on this machine.

    python -m benchmarks.batch --data ../shared/data [--photos 200] [--side 1024]

The photos are the data's content photos (repeated to ``--photos``), written at ``--side`` px
into a temporary folder; the style is our drawn painting, ``magenta`` at ``--side``. Each
setup runs the real command in a fresh process; its wall time includes starting (and for
Ray, starting Ray and its actors), as a user waits for it. Writes ``benchmarks/RESULTS-batch.md``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPS = {
    "in-process": [],
    "--ray, 2 actors x 1 CPU": ["--ray", "--actors", "2", "--actor-cpus", "1"],
    "--ray, 1 actor x 2 CPUs": ["--ray", "--actors", "1", "--actor-cpus", "2"],
}


def write_photos(data: Path, folder: Path, count: int, side: int) -> None:
    import nst
    from nst.io.images import fit
    from nst.training.data import image_files

    sources = image_files(data / "content")
    for i in range(count):
        fit(nst.load_image(sources[i % len(sources)]), side, upscale=True).save(folder / f"{i:04d}.jpg", quality=92)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-batch.md")
    args = parser.parse_args()
    from nst.io.examples import example_painting

    work = Path(tempfile.mkdtemp(prefix="nst-batch-"))
    try:
        photos = work / "photos"
        photos.mkdir()
        write_photos(args.data, photos, args.photos, args.side)
        example_painting().save(work / "painting.png")
        rows = {}
        for name, flags in SETUPS.items():
            out = work / f"out-{len(rows)}"
            command = [sys.executable, "-m", "nst", "batch", str(photos), str(out)]
            command += ["--style", str(work / "painting.png"), "--size", str(args.side), *flags]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            seconds = time.perf_counter() - start
            made = len(list(out.rglob("*.jpg")))
            if done.returncode != 0 or made != args.photos:
                raise SystemExit(f"{name}: {made} of {args.photos} made; {done.stderr.strip()[-300:]}")
            rows[name] = (seconds, made / seconds)
            print(name, f"{seconds:.1f} s, {made / seconds:.2f} images/s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows["in-process"][1]
    lines = [
        "# Folder batches (issue 20)",
        "",
        f"Command: `python -m benchmarks.batch --data DATA --photos {args.photos} --side {args.side}` "
        f"({time.strftime('%Y-%m-%d')}, this 2-core machine): {args.photos} photos at {args.side} px, magenta, "
        "wall time of the whole command (model loading, and Ray's start, included).",
        "",
        "| setup | seconds | images/s | against in-process |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {name} | {s:.1f} | {rate:.2f} | {rate / base:.2f}x |" for name, (s, rate) in rows.items()]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
