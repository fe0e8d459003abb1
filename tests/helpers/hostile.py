"""A corpus of hostile and odd image files, generated (nothing downloaded, nothing committed)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from tests.helpers.pictures import landscape


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header that declares width x height, followed by one tiny data chunk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF whose screen and image descriptor declare width x height, with a 1-pixel payload."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00;"
    return screen + descriptor


def jpeg_declaring(width: int, height: int) -> bytes:
    """A JPEG start-of-frame that declares width x height, then ends."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def invalid_files() -> dict[str, bytes]:
    """Name to bytes; every one must be refused with one clear line."""
    jpeg = _save(landscape(200, 150), "JPEG", quality=90)
    return {
        "empty.png": b"",
        "truncated.jpg": jpeg[: len(jpeg) // 3],
        "corrupt.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "random.jpg": np.random.default_rng(1).bytes(20_000),
        "page.png": b"<!doctype html><html><body><h1>not an image</h1></body></html>",
        "drawing.png": b'<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><rect/></svg>',
        "notes.jpg": b"just some text\n" * 50,
        "bomb.png": png_declaring(100_000, 100_000),
        "bomb.gif": gif_declaring(65_535, 65_535),
        "bomb.jpg": jpeg_declaring(65_000, 65_000),
        "wide_bomb.png": png_declaring(1_000_000, 64),
        "dot.png": _save(Image.new("RGB", (1, 1), "red"), "PNG"),
        "sliver.png": _save(Image.new("RGB", (12_000, 8), "blue"), "PNG"),
    }


def valid_files() -> dict[str, tuple[bytes, tuple[int, int]]]:
    """Name to (bytes, upright size); each must stylize with the right orientation."""
    photo = landscape(240, 160)
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    palette = photo.convert("RGBA")
    palette.putalpha(Image.linear_gradient("L").resize(photo.size))
    frames = [photo, Image.new("RGB", photo.size, (0, 0, 255))]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    gray16 = Image.fromarray((np.asarray(photo.convert("L"), np.uint16) * 257).astype(np.uint16))
    return {
        "cmyk.jpg": (_save(photo.convert("CMYK"), "JPEG", quality=92), (240, 160)),
        "gray16.png": (_save(gray16, "PNG"), (240, 160)),
        "palette_alpha.png": (_save(palette.convert("P"), "PNG"), (240, 160)),
        "transparent.png": (_save(palette, "PNG"), (240, 160)),
        "animated.gif": (animated.getvalue(), (240, 160)),
        "rotated.jpg": (_save(photo, "JPEG", exif=exif.tobytes()), (160, 240)),
        "photo.webp": (_save(photo, "WEBP", quality=90), (240, 160)),
        "photo.bmp": (_save(photo, "BMP"), (240, 160)),
        "photo.tiff": (_save(photo, "TIFF"), (240, 160)),
        "big.jpg": (_save(landscape(6000, 4000), "JPEG", quality=85), (6000, 4000)),
    }


def fuzz_seeds() -> list[bytes]:
    """A small valid file of each input format: where the fuzzers start from."""
    photo = landscape(48, 40)
    out = []
    for fmt, options in (("PNG", {}), ("JPEG", {"quality": 80}), ("GIF", {}), ("WEBP", {}), ("BMP", {}), ("TIFF", {})):
        buffer = io.BytesIO()
        photo.save(buffer, fmt, **options)
        out.append(buffer.getvalue())
    return out
