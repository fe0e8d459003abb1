"""Pictures drawn by code, so the tests never need ../shared or the network."""

from __future__ import annotations

import io
import math
import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def landscape(width: int = 320, height: int = 240, seed: int = 0) -> Image.Image:
    """A photo-like scene: sky gradient, sun, hills, a house; smooth areas and sharp edges."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None, None]
    sky = np.concatenate([0.35 + 0.3 * y, 0.55 + 0.25 * y, 0.95 - 0.1 * y], axis=2) * np.ones((1, width, 1))
    image = Image.fromarray((np.clip(sky, 0, 1) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    s = width / 320
    draw.ellipse([230 * s, 25 * s, 280 * s, 75 * s], fill=(250, 210, 60))
    points = [(x, height * (0.62 + 0.08 * math.sin(x / (37 * s) + seed))) for x in range(0, width + 1, 4)]
    draw.polygon(points + [(width, height), (0, height)], fill=(60, 130 + seed * 7 % 60, 55))
    draw.rectangle([60 * s, 120 * s, 130 * s, 180 * s], fill=(180, 60, 50))
    draw.polygon([(50 * s, 120 * s), (95 * s, 85 * s), (140 * s, 120 * s)], fill=(90, 50, 40))
    noise = rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image, np.float64) + noise, 0, 255).astype(np.uint8))


def painting(seed: int = 1, size: int = 300) -> Image.Image:
    """A bold abstract 'painting': random coloured strokes on a tinted canvas."""
    rng = np.random.default_rng(seed)
    base = tuple(int(v) for v in rng.integers(0, 255, 3))
    image = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(image)
    for _ in range(120):
        x, y = rng.integers(0, size, 2)
        dx, dy = rng.integers(-60, 60, 2)
        color = tuple(int(v) for v in rng.integers(0, 255, 3))
        draw.line([(int(x), int(y)), (int(x + dx), int(y + dy))], fill=color, width=int(rng.integers(3, 14)))
    return image


def write_random_vgg(path: Path) -> Path:
    """A VGG-19 relu3_1 weights file in the real layout, random weights (the real ones never ship)."""
    rng = np.random.default_rng(0)
    shapes = {"preprocess": (3, 3, 1, 1), "conv1_1": (64, 3, 3, 3), "conv1_2": (64, 64, 3, 3),
              "conv2_1": (128, 64, 3, 3), "conv2_2": (128, 128, 3, 3), "conv3_1": (256, 128, 3, 3)}  # fmt: skip
    arrays = {}
    for name, shape in shapes.items():
        arrays[f"{name}/kernel"] = rng.normal(0, (2 / np.prod(shape[1:])) ** 0.5, shape).astype(np.float32)
        arrays[f"{name}/bias"] = np.zeros(shape[0], np.float32)
    np.savez(path, **arrays)
    return path


def png_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    """``image`` in ``fmt`` as the libraries people's phones and tools use write it: Pillow, and
    pillow-heif for HEIC; PSD (which Pillow only reads) as Photoshop writes a flattened file."""
    if fmt == "PSD":
        return psd_bytes(image)
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    return png_bytes(image, fmt, **options)


def psd_bytes(image: Image.Image, size: tuple[int, int] | None = None) -> bytes:
    """A flattened 8-bit RGB Photoshop file (raw planar data); ``size`` overrides the header's."""
    width, height = size or image.size
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)  # colour mode data, image resources, layers: none
    planes = np.asarray(image.convert("RGB")).transpose(2, 0, 1).tobytes()
    return header + sections + struct.pack(">H", 0) + (planes if size is None else b"")
