"""Hostile and odd files through the API and the CLI: one clear line for bad ones, right results for odd ones."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import nst
from tests.helpers.cli import run_cli
from tests.helpers.hostile import invalid_files, valid_files
from tests.helpers.pictures import painting

INVALID = invalid_files()
VALID = valid_files()


@pytest.mark.parametrize("name", sorted(INVALID))
def test_api_refuses_with_one_line(name, style_image):
    with pytest.raises(nst.ImageError) as info:
        nst.stylize(INVALID[name], style_image)
    message = str(info.value)
    assert "\n" not in message and len(message) < 200


@pytest.mark.parametrize("name", sorted(VALID))
def test_api_stylizes_odd_but_valid_files_upright(name, style_image):
    data, (width, height) = VALID[name]
    out = nst.stylize(data, style_image, size=256)
    scale = min(1.0, 256 / max(width, height))  # never upscaled
    assert out.size == (round(width * scale), round(height * scale))
    assert np.asarray(out).std() > 5


def test_bombs_do_not_allocate_their_declared_size(tmp_path):
    """Load every bomb in a fresh process and read its peak memory."""
    for name in ("bomb.png", "bomb.gif", "bomb.jpg", "wide_bomb.png"):
        (tmp_path / name).write_bytes(INVALID[name])
    code = f"""
import json, sys
import nst
errors = {{}}
for name in ("bomb.png", "bomb.gif", "bomb.jpg", "wide_bomb.png"):
    try:
        nst.load_image({str(tmp_path)!r} + "/" + name)
    except nst.ImageError as exc:
        errors[name] = str(exc)
with open("/proc/self/status") as status:  # VmHWM: this process's own peak (ru_maxrss survives exec)
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
print(json.dumps({{"errors": errors, "rss_mib": peak}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    report = json.loads(done.stdout)
    assert len(report["errors"]) == 4
    assert report["rss_mib"] < 300  # the smallest bomb declares 64 megapixels (192 MB as RGB)


def test_cli_batch_of_bad_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in INVALID.items():
        (folder / name).write_bytes(data)
    style = tmp_path / "style.png"
    painting(2).save(style)
    out = tmp_path / "out"
    done = run_cli(*sorted(folder.iterdir()), "-s", style, "-o", out)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == len(INVALID)
    for name in INVALID:
        assert sum(f"/{name}: error:" in line for line in lines) == 1
    assert list(out.iterdir()) == []  # nothing written for bad inputs


def test_cli_odd_files_are_fine(tmp_path):
    for name, (data, _) in VALID.items():
        (tmp_path / name).write_bytes(data)
    style = tmp_path / "style.png"
    painting(2).save(style)
    out = tmp_path / "out"
    done = run_cli(*[tmp_path / n for n in sorted(VALID)], "-s", style, "-o", out, "--size", "200")
    assert done.returncode == 0, done.stderr
    assert Image.open(out / "rotated_stylized.png").size == (133, 200)
    assert len(list(out.iterdir())) == len(VALID)  # photo.webp/.bmp/.tiff do not overwrite each other
    assert (out / "photo-webp_stylized.png").exists() and (out / "photo-tiff_stylized.png").exists()
