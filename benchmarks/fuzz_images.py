"""Long fuzz run of the image loader: random mutations of real files for N minutes.

    python -m benchmarks.fuzz_images --minutes 5        # writes benchmarks/RESULTS-fuzz.md

Each case runs `nst.load_image`; anything but success or `nst.ImageError` is a finding, and
so is a case slower than 5 s. Seeds are our own pictures in six formats.
"""

from __future__ import annotations

import argparse
import random
import time
import traceback
from pathlib import Path

import nst
from tests.helpers.hostile import fuzz_seeds

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for results files
SEEDS = fuzz_seeds()


def mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        kind = rng.choice(["flip", "overwrite", "truncate", "insert", "big_number", "splice"])
        at = rng.randrange(max(1, len(out)))
        if kind == "flip" and out:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == "overwrite" and out:
            out[at] = rng.randrange(256)
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = rng.randbytes(rng.randint(1, 32))
        elif kind == "big_number" and len(out) > at + 4:
            out[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x01\x86\xa0"])
        elif kind == "splice":
            other = rng.choice(SEEDS)
            cut = rng.randrange(max(1, len(other)))
            out[at:] = other[cut:]
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS-fuzz.md"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.minutes * 60
    cases = loaded = refused = 0
    slowest = 0.0
    findings: list[str] = []
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(SEEDS))
        start = time.perf_counter()
        try:
            nst.load_image(data)
            loaded += 1
        except nst.ImageError:
            refused += 1
        except Exception:  # a finding: anything else escaping the loader
            findings.append(traceback.format_exc(limit=3))
        elapsed = time.perf_counter() - start
        slowest = max(slowest, elapsed)
        if elapsed > 5:
            findings.append(f"slow case: {elapsed:.1f} s")
        cases += 1
    report = [
        "# Image loader fuzz run (issue 8)",
        "",
        f"Command: `python -m benchmarks.fuzz_images --minutes {args.minutes:g} --seed {args.seed}` "
        f"({time.strftime('%Y-%m-%d')}). Mutations (bit flips, overwrites, truncation, insertion, huge numbers, "
        "splices) of our own 48x40 picture saved as PNG, JPEG, GIF, WebP, BMP and TIFF.",
        "",
        f"- cases: {cases} ({cases / (args.minutes * 60):.0f} per second)",
        f"- loaded as valid images: {loaded}; refused with `nst.ImageError`: {refused}",
        f"- other exceptions or hangs: {len(findings)}",
        f"- slowest case: {slowest * 1000:.0f} ms",
    ]
    report += ["", "Findings:", *[f"    {line}" for f in findings[:20] for line in f.splitlines()]] if findings else []
    Path(args.out).write_text("\n".join(report) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    main()
