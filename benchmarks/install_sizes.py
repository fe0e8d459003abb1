"""What each install costs on disk (issue 36): a fresh virtual environment per extra of
pyproject.toml, pinned by requirements.txt, and the container image.

    python -m benchmarks.install_sizes [--extras core,app,serve,ray,video,live,hub,all] [--image nst:latest]

Each environment is `pip install '.[EXTRA]'` with requirements.txt's pins as constraints, in a
temporary folder removed afterwards; its size is that of the whole environment (Python's own
files included). Writes ``benchmarks/RESULTS-install.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ["core", "app", "serve", "ray", "video", "live", "hub", "all"]


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20


def constraints(folder: Path) -> Path:
    """requirements.txt as a constraints file (pip refuses extras such as ray[serve] there)."""
    pins = [re.sub(r"\[[^\]]*\]", "", line.split("#")[0]).strip() for line in (ROOT / "requirements.txt").open()]
    path = folder / "constraints.txt"
    path.write_text("\n".join(p for p in pins if p) + "\n")
    return path


def install_size(extra: str, work: Path) -> tuple[float, float, int]:
    """(MB, seconds, packages) of a fresh environment with ``extra``."""
    env = work / f"venv-{extra}"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    target = "." if extra == "core" else f".[{extra}]"
    started = time.perf_counter()
    pip = [str(env / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(constraints(work)), target], cwd=ROOT, check=True)
    seconds = time.perf_counter() - started
    listed = subprocess.run([str(env / "bin" / "pip"), "list", "--format", "json"], capture_output=True, text=True)
    size = folder_mb(env)
    subprocess.run(["rm", "-rf", str(env)], check=True)
    return size, seconds, len(json.loads(listed.stdout))


def image_size(tag: str) -> float | None:
    done = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, text=True)
    return json.loads(done.stdout)[0]["Size"] / 1e6 if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extras", default=",".join(EXTRAS))
    parser.add_argument("--image", action="append", default=[], help="a built image's tag to report too")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for extra in args.extras.split(","):
            size, seconds, packages = install_size(extra, Path(work))
            rows.append(
                f"| `{'nst' if extra == 'core' else f'nst[{extra}]'}` | {size:,.0f} | {packages} | {seconds:.0f} |"
            )
            print(rows[-1], flush=True)
    lines = [
        "# Install sizes (issue 36)",
        "",
        f"Command: `python -m benchmarks.install_sizes {' '.join(sys.argv[1:])}`".rstrip()
        + f" ({time.strftime('%Y-%m-%d')}, "
        "Python 3.11, Linux x86_64; pip's cache warm, so seconds are installs, not downloads).",
        "",
        "| install | MB on disk | packages | seconds |",
        "| --- | --- | --- | --- |",
        *rows,
    ]
    images = [(tag, image_size(tag)) for tag in args.image]
    if images:
        lines += ["", "| image | MB (docker image inspect) |", "| --- | --- |"]
        lines += [f"| `{tag}` | {mb:,.0f} |" for tag, mb in images if mb is not None]
    (ROOT / "benchmarks" / "RESULTS-install.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
