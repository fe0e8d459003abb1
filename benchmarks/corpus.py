"""Every file of an image corpus through the loader, as a new user's uploads would go.

    python -m benchmarks.corpus PILLOW_CHECKOUT/Tests/images    # writes benchmarks/RESULTS-formats.md

Pillow's own test images (about 1,070 files, every format it knows, many broken on purpose) are
the corpus we were measured on. Each file goes through `nst.load_image`; the outcome is counted
per format Pillow finds in it: read, refused by name (a format we do not read), refused as
corrupt or unreadable. A finding is anything but a picture or one line of `nst.ImageError`, a
file slower than 5 s, or a file Pillow reads in a format we accept that we refuse.
"""

from __future__ import annotations

import argparse
import collections
import io
import time
import warnings
from pathlib import Path

from PIL import Image

import nst
from benchmarks.quality import write_results
from nst.io import images

ROOT = Path(__file__).resolve().parents[1]
SLOW_SECONDS = 5.0
UNREADABLE = "Pillow cannot read it"


def pillow_reads(data: bytes) -> str | None:
    """The format Pillow itself decodes the file as (every plugin but Ghostscript's), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                if image.format in ("EPS", "PDF"):
                    return None  # would run Ghostscript: not a thing to try on a server
                image.load()
                return image.format
    except Exception:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder of image files (e.g. Pillow's Tests/images)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-formats.md")
    args = parser.parse_args()
    nst.load_image(images.encode(Image.new("RGB", (64, 64))))  # plugins registered before timing
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file())
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    findings, slowest = [], (0.0, "")
    for path in files:
        data = path.read_bytes()
        pillow = pillow_reads(data)
        start = time.perf_counter()
        try:
            nst.load_image(data, name=path.name)
            outcome, message = "read", ""
        except nst.ImageError as exc:
            message = str(exc)
            outcome = "refused by name" if "files are not accepted" in message or "video" in message else "refused"
            if "\n" in message:
                findings.append(f"{path.name}: a message of several lines")
        except Exception as exc:  # a finding: not our one-line error
            outcome, message = "crashed", str(exc)
            findings.append(f"{path.name}: {type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - start
        slowest = max(slowest, (seconds, path.name))
        if seconds > SLOW_SECONDS:
            findings.append(f"{path.name}: {seconds:.1f} s")
        kind = pillow or UNREADABLE
        table[kind][outcome] += 1
        if pillow in images.ACCEPTED and outcome != "read" and "must be at least" not in message:
            table[kind]["of which refused though accepted"] += 1
    refused_readable = sum(c["refused"] + c["refused by name"] for kind, c in table.items() if kind != UNREADABLE)
    lines = [
        "# Image formats on a corpus of real files (issue 22)",
        "",
        f"`python -m benchmarks.corpus {args.corpus.name}/` ({time.strftime('%Y-%m-%d')}): {len(files)} files of "
        "Pillow's test-image corpus, each through `nst.load_image`. Rows: the format Pillow itself decodes the "
        "file as (all its plugins but Ghostscript's).",
        "",
        "| format (as Pillow reads it) | files | read | refused by name | refused (corrupt, unreadable, limits) | "
        "refused though accepted, not too small |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for kind, counts in sorted(table.items(), key=lambda item: -sum(item[1].values())):
        total = sum(v for k, v in counts.items() if k != "of which refused though accepted")
        lines.append(
            f"| {kind} | {total} | {counts['read']} | {counts['refused by name']} | {counts['refused']} | "
            f"{counts['of which refused though accepted']} |"
        )
    read = sum(counts["read"] for counts in table.values())
    lines += [
        "",
        f"Read: {read} files. Readable by Pillow but refused: {refused_readable} (formats we do not accept, "
        "or over our limits). Slowest file: "
        f"{slowest[1]} {slowest[0]:.2f} s. Findings (tracebacks, messages of several lines, files over "
        f"{SLOW_SECONDS:g} s): {len(findings) or 'none'}.",
        *[f"- {finding}" for finding in findings],
    ]
    write_results(args.out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
