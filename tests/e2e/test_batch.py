"""`nst batch`: a folder in, a folder out, in this process and on Ray Data; resumable; a bad file skipped."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image

from tests.helpers.cli import run_cli
from tests.helpers.pictures import landscape


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "in"
    (folder / "trip" / "day2").mkdir(parents=True)
    landscape(160, 120, seed=1).save(folder / "a.jpg")
    landscape(120, 160, seed=2).save(folder / "trip" / "b.png")
    landscape(100, 100, seed=3).save(folder / "trip" / "day2" / "c.bmp")
    (folder / "trip" / "broken.jpg").write_bytes(b"this is not a jpeg")
    (folder / "notes.txt").write_text("not a photo")
    (folder / ".hidden.png").write_bytes(b"")
    return folder


def outputs(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_folder_is_stylized_with_its_layout_and_a_bad_file_is_skipped(photos, tmp_path):
    out = tmp_path / "out"
    done = run_cli("batch", str(photos), str(out), "--preset", "3", "--size", "128")
    assert done.returncode == 2  # one file failed
    assert outputs(out) == ["a.jpg", "trip/b.png", "trip/day2/c.png"]
    assert Image.open(out / "trip" / "b.png").size == (96, 128)
    assert f"nst: skipped {photos / 'trip' / 'broken.jpg'}: not an image, or a format we cannot read" in done.stderr
    assert (
        done.stdout.strip()
        .splitlines()[-1]
        .startswith("3 stylized, 1 failed, 0 already done, 1 other files ignored in")
    )
    again = run_cli("batch", str(photos), str(out), "--preset", "3", "--size", "128")
    assert again.stdout.strip().startswith("0 stylized, 1 failed, 3 already done")  # resumed: nothing redone


def test_an_interrupted_batch_resumes_where_it_stopped(photos, tmp_path):
    out = tmp_path / "out"
    (photos / "trip" / "broken.jpg").unlink()
    run_cli("batch", str(photos), str(out), "--preset", "3", "--size", "128")
    (out / "trip" / "b.png").unlink()  # as if the run had stopped before it
    again = run_cli("batch", str(photos), str(out), "--preset", "3", "--size", "128")
    assert again.returncode == 0 and again.stdout.strip().startswith("1 stylized, 0 failed, 2 already done")
    assert outputs(out) == ["a.jpg", "trip/b.png", "trip/day2/c.png"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing_folder", "out", "--preset", "3"], "missing_folder is not a folder"),
        (["IN", "IN/results", "--preset", "3"], "must not be inside"),
        (["IN", "out"], "give a style image or a built-in style (preset)"),
        (["IN", "out", "--preset", "3", "--actors", "0", "--ray"], "--actors and --actor-cpus must be 1 or more"),
    ],
)
def test_bad_batch_arguments_are_one_line_before_any_work(photos, tmp_path, args, message):
    args = [a.replace("IN", str(photos)) for a in args]
    done = run_cli("batch", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_on_ray_data_the_same_results_and_no_ray_left_running(photos, tmp_path):
    out = tmp_path / "out"
    done = run_cli("batch", str(photos), str(out), "--preset", "3", "--size", "128", "--ray", "--actors", "2")
    assert outputs(out) == ["a.jpg", "trip/b.png", "trip/day2/c.png"]
    assert "3 stylized, 1 failed, 0 already done" in done.stdout
    assert f"nst: skipped {photos / 'trip' / 'broken.jpg'}" in done.stderr
    left = subprocess.run(["pgrep", "-f", "raylet|gcs_server"], capture_output=True, text=True).stdout
    assert not left.split()


def test_inputs_that_share_a_name_never_share_a_result(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, name in enumerate(["x.bmp", "x.png", "y.tif", "y.tiff"]):
        landscape(96, 64, seed=i).save(folder / name)
    out = tmp_path / "out"
    done = run_cli("batch", str(folder), str(out), "--preset", "3", "--size", "64")
    assert done.returncode == 0 and done.stdout.strip().startswith("4 stylized, 0 failed"), done.stdout
    assert outputs(out) == ["x-bmp.png", "x.png", "y-tif.png", "y-tiff.png"]
    again = run_cli("batch", str(folder), str(out), "--preset", "3", "--size", "64")
    assert again.stdout.strip().startswith("0 stylized, 0 failed, 4 already done")  # the same names each run


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(photos):
    done = run_cli("batch", str(photos), "/sys/kernel", "--preset", "3")  # a folder even root cannot write in
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "nst: error: cannot write to the output folder /sys/kernel: Permission denied"
