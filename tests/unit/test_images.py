"""Image input: every accepted form and format, and a clear ImageError for every bad one."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import nst
from nst.io import images
from tests.helpers.hostile import png_declaring
from tests.helpers.pictures import landscape, png_bytes


@pytest.fixture
def photo() -> Image.Image:
    return landscape(120, 80)


def test_accepts_path_bytes_file_pil_and_array(photo, tmp_path):
    path = tmp_path / "photo.png"
    photo.save(path)
    data = path.read_bytes()
    expected = np.asarray(photo)
    for source in (path, str(path), data, bytearray(data), io.BytesIO(data), photo, expected):
        loaded = nst.load_image(source)
        assert loaded.mode == "RGB" and loaded.size == (120, 80)
        assert np.array_equal(np.asarray(loaded), expected)


@pytest.mark.parametrize(
    "fmt,options,tolerance",
    [("JPEG", {"quality": 95}, 12), ("WEBP", {"lossless": True}, 0), ("BMP", {}, 0), ("TIFF", {}, 0), ("GIF", {}, 40)],
)
def test_reads_common_formats(photo, fmt, options, tolerance):
    loaded = nst.load_image(png_bytes(photo, fmt, **options))
    assert loaded.size == photo.size
    assert np.abs(np.asarray(loaded, np.int16) - np.asarray(photo, np.int16)).mean() <= tolerance


def test_exif_orientation_is_applied(photo):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    loaded = nst.load_image(png_bytes(photo, "JPEG", exif=exif.tobytes()))
    assert loaded.size == (80, 120)


def test_gif_first_frame(photo):
    frames = [photo, Image.new("RGB", photo.size, (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    loaded = nst.load_image(buffer.getvalue())
    assert np.asarray(loaded)[..., 2].mean() < 200  # not the all-blue second frame


def test_grayscale_16bit_palette_cmyk_and_alpha(photo):
    gray16 = Image.fromarray((np.linspace(0, 65535, 64 * 48).reshape(48, 64)).astype(np.uint16))
    loaded = nst.load_image(png_bytes(gray16))
    values = np.asarray(loaded)[..., 0]
    assert loaded.mode == "RGB" and values.min() == 0 and values.max() == 255  # scaled, not clipped
    cmyk = nst.load_image(png_bytes(photo.convert("CMYK"), "JPEG", quality=95))
    assert np.abs(np.asarray(cmyk, np.int16) - np.asarray(photo, np.int16)).mean() < 20
    transparent = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    assert np.asarray(nst.load_image(png_bytes(transparent))).min() == 255  # on white, not black
    palette = transparent.convert("P")
    palette.info["transparency"] = 0
    assert nst.load_image(png_bytes(palette)).mode == "RGB"
    assert nst.load_image(png_bytes(photo.convert("L"))).mode == "RGB"


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"<html><body>not an image</body></html>", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "corrupt"),
        (np.random.default_rng(0).bytes(4096), "not an image"),
    ],
)
def test_rejects_bad_bytes(data, message):
    with pytest.raises(nst.ImageError, match=message) as info:
        nst.load_image(data)
    assert "\n" not in str(info.value)


def test_rejects_truncated_file(photo):
    data = png_bytes(photo, "JPEG")
    with pytest.raises(nst.ImageError, match="truncated or corrupt"):
        nst.load_image(data[: len(data) // 2])


@pytest.mark.parametrize("width,height", [(100_000, 100_000), (20_000, 5_000)])
def test_rejects_decompression_bomb_before_decoding(width, height):
    with pytest.raises(nst.ImageError, match="too large|megapixels"):
        nst.load_image(png_declaring(width, height))


def test_pixel_limit_is_configurable(photo, monkeypatch):
    monkeypatch.setenv("NST_MAX_PIXELS", "5000")
    with pytest.raises(nst.ImageError, match="120x80"):
        nst.load_image(png_bytes(photo))


@pytest.mark.parametrize("size", [(12, 400), (31, 31), (1, 1)])
def test_rejects_too_small(size):
    with pytest.raises(nst.ImageError, match="at least 32"):
        nst.load_image(png_bytes(Image.new("RGB", size)))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(nst.ImageError, match="not found"):
        nst.load_image(tmp_path / "nope.jpg")
    with pytest.raises(nst.ImageError, match="folder"):
        nst.load_image(tmp_path)


def test_rejects_odd_arrays():
    with pytest.raises(nst.ImageError, match="uint8"):
        nst.load_image(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(nst.ImageError, match="shape"):
        nst.load_image(np.zeros((64, 64, 5), np.uint8))


def test_fit_never_upscales_unless_asked(photo):
    assert images.fit(photo, 60).size == (60, 40)
    assert images.fit(photo, 1000).size == (120, 80)
    assert images.fit(photo, 240, upscale=True).size == (240, 160)


def test_encode_strips_metadata(photo):
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    tagged = Image.open(io.BytesIO(png_bytes(photo, "JPEG", exif=exif.tobytes())))
    for fmt in ("PNG", "JPEG"):
        out = Image.open(io.BytesIO(nst.encode(tagged, fmt)))
        assert out.format == fmt and not out.getexif() and "icc_profile" not in out.info


def test_save_is_atomic_and_checks_extension(photo, tmp_path):
    target = tmp_path / "out.png"
    nst.save(photo, target)
    assert Image.open(target).size == photo.size
    with pytest.raises(nst.ImageError, match=r"\.png"):
        nst.save(photo, tmp_path / "out.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]  # no temp files left behind


def test_a_preview_decodes_a_jpeg_reduced_and_fits_it_to_its_side():
    data = png_bytes(landscape(4000, 3000), "JPEG")
    reduced = images.load_image(data, reduce=220)
    assert reduced.size == (500, 375)  # decoded at 1/8 scale, never below the side asked for
    assert nst.api.preview(data, 220).size == (220, 165)
    assert nst.api.preview(png_bytes(landscape(120, 80)), 220).size == (120, 80)  # never enlarged


def test_the_size_is_read_from_the_header_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = png_bytes(landscape(400, 300), "JPEG", exif=exif.tobytes())
    assert images.image_size(data) == nst.load_image(data).size == (300, 400)
    turned_png = png_bytes(landscape(400, 300), "PNG", exif=exif.tobytes())
    assert images.image_size(turned_png) == nst.load_image(turned_png).size == (300, 400)
    assert images.image_size(png_declaring(6000, 6000)) == (6000, 6000)
    for kind in ("PNG", "JPEG", "WEBP", "TIFF"):  # nothing decoded: Pillow allocated no picture
        data = png_bytes(landscape(400, 300), kind)
        before = Image.core.get_stats()["new_count"]
        assert images.image_size(data) == (400, 300) and Image.core.get_stats()["new_count"] == before, kind


def test_a_preview_refuses_what_a_render_would_refuse():
    with pytest.raises(nst.ImageError, match=r"upload\.png: image is 9000x9000 \(81 megapixels\); the limit is 50"):
        nst.api.preview(png_declaring(9000, 9000), 220, name="upload.png")
    with pytest.raises(nst.ImageError, match="not an image"):
        nst.api.preview(b"plain text, not a picture", 220, name="notes.txt")
