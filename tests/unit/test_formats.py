"""Phone and desktop formats beyond the web's four: read as people's tools write them, with the
same bomb checks and EXIF orientation; formats we do not read are refused by name."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import nst
from nst.io import images
from tests.helpers.pictures import encoded, landscape, psd_bytes


@pytest.fixture
def photo() -> Image.Image:
    return landscape(120, 80)


@pytest.mark.parametrize(
    "fmt,options,tolerance",
    [
        ("HEIF", {"quality": 90}, 8),  # HEIC, the iPhone's default
        ("AVIF", {"quality": 90}, 8),
        ("PPM", {}, 0),
        ("TGA", {}, 0),
        ("TGA", {"compression": "tga_rle"}, 0),
        ("PSD", {}, 0),
        ("JPEG2000", {}, 0),
        ("QOI", {}, 0),
    ],
)
def test_reads_phone_and_desktop_formats(photo, fmt, options, tolerance):
    loaded = nst.load_image(encoded(photo, fmt, **options))
    assert loaded.mode == "RGB" and loaded.size == photo.size
    assert np.abs(np.asarray(loaded, np.int16) - np.asarray(photo, np.int16)).mean() <= tolerance


def test_reads_grey_pgm_and_the_largest_icon(photo):
    grey = nst.load_image(encoded(photo.convert("L"), "PPM"))  # a .pgm file
    assert grey.mode == "RGB" and np.array_equal(np.asarray(grey)[..., 0], np.asarray(photo.convert("L")))
    icon = landscape(128, 128)
    loaded = nst.load_image(encoded(icon, "ICO", sizes=[(32, 32), (64, 64), (128, 128)]))
    assert loaded.size == (128, 128)
    single = nst.load_image(encoded(landscape(256, 256), "ICO", sizes=[(256, 256)]))  # TGA's guess would take it
    assert single.size == (256, 256)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF", "JPEG"])
def test_phone_photos_are_turned_upright(photo, fmt):
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: rotate 90 degrees clockwise to display
    loaded = nst.load_image(encoded(photo, fmt, exif=exif.tobytes(), quality=90))
    assert loaded.size == (80, 120)
    upright = np.asarray(photo.transpose(Image.Transpose.ROTATE_270), np.int16)
    assert np.abs(np.asarray(loaded, np.int16) - upright).mean() < 8


def test_headers_are_checked_before_decoding(photo):
    # a Photoshop header claiming 30000 x 30000 with no pixels: refused for its size, not as truncated
    with pytest.raises(nst.ImageError, match="too large|megapixels"):
        nst.load_image(psd_bytes(photo, size=(30_000, 30_000)))
    ppm = b"P6\n100000 100000\n255\n" + b"\x00" * 64
    with pytest.raises(nst.ImageError, match="too large|megapixels"):
        nst.load_image(ppm)
    with pytest.raises(nst.ImageError, match="60 megapixels"):  # above our limit, below Pillow's
        nst.load_image(b"P6\n10000 6000\n255\n" + b"\x00" * 64)


@pytest.mark.parametrize(
    "data,name",
    [
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n", "EPS"),
        (b"\xc5\xd0\xd3\xc6" + b"\x00" * 60, "EPS"),
        (b"%PDF-1.7\n1 0 obj\n", "PDF"),
        (b"DDS |" + b"\x00" * 123, "DDS"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    ],
)
def test_formats_we_do_not_read_are_named(data, name):
    with pytest.raises(nst.ImageError) as info:
        nst.load_image(data, name=f"file.{name.lower()}")
    message = str(info.value)
    assert message.startswith(f"file.{name.lower()}: {name} files are not accepted; use JPEG, PNG")
    assert "HEIC" in message and "\n" not in message


def test_a_video_given_as_a_photo_says_so(tmp_path):
    from tests.helpers.clips import solid_frames, write_clip

    clip = write_clip(tmp_path / "clip.mp4", solid_frames(3), audio=None)
    with pytest.raises(nst.ImageError, match="clip.mp4: this is a video file, not a photo"):
        nst.load_image(clip)


def test_corrupt_phone_files_are_called_corrupt(photo):
    heic = encoded(photo, "HEIF")
    with pytest.raises(nst.ImageError, match="corrupt"):
        nst.load_image(heic[:40])


def test_every_accepted_suffix_has_its_format():
    assert set(images.INPUT_FORMATS) == set(images.ACCEPTED)
    assert {"heic", "heif", "avif", "ppm", "pgm", "tga", "psd", "jp2", "qoi", "ico"} <= set(images.INPUT_SUFFIXES)
