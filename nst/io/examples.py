"""Example pictures drawn by code, so a first-time user sees a result without uploading anything.

Both are ours (no third-party images): a landscape 'photo' and a swirling 'painting'.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def example_photo(width: int = 768, height: int = 512) -> Image.Image:
    """A lake landscape at dusk: graded sky, sun, layered mountains, reflections, a cabin and trees."""
    rng = np.random.default_rng(11)
    y = np.linspace(0.0, 1.0, height)[:, None]
    top, horizon = np.array([40, 70, 140.0]), np.array([250, 180, 120.0])
    sky = top + (horizon - top) * y[..., None] ** 0.8
    canvas = Image.fromarray(np.broadcast_to(sky, (height, width, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    w, h = width, height
    draw.ellipse([0.68 * w, 0.18 * h, 0.80 * w, 0.18 * h + 0.12 * w], fill=(255, 226, 150))
    lake_top = int(0.62 * h)
    for layer, (color, base, amp, freq) in enumerate(
        [((95, 85, 120), 0.42, 0.10, 3.0), ((70, 80, 95), 0.50, 0.08, 5.0), ((45, 70, 60), 0.57, 0.05, 8.0)]
    ):
        phase = rng.uniform(0, 6)
        ridge = [
            (x, h * (base - amp * abs(math.sin(freq * x / w + phase)) - 0.02 * math.sin(23 * x / w + layer)))
            for x in range(0, w + 8, 8)
        ]
        draw.polygon(ridge + [(w, lake_top), (0, lake_top)], fill=color)
    scene = np.asarray(canvas).copy()
    reflection = scene[lake_top - (h - lake_top) : lake_top][::-1].astype(np.float32)
    water = reflection * 0.55 + np.array([20, 45, 70.0]) * 0.45
    ripples = 8 * np.sin(np.arange(h - lake_top)[:, None] * 0.9 + np.arange(w)[None, :] * 0.02)
    scene[lake_top:] = np.clip(water + ripples[..., None], 0, 255).astype(np.uint8)
    canvas = Image.fromarray(scene)
    draw = ImageDraw.Draw(canvas)
    cabin_x, cabin_y = int(0.18 * w), int(0.60 * h)
    draw.rectangle([cabin_x, cabin_y - 0.09 * h, cabin_x + 0.09 * w, cabin_y], fill=(150, 60, 45))
    draw.polygon(
        [
            (cabin_x - 0.01 * w, cabin_y - 0.09 * h),
            (cabin_x + 0.045 * w, cabin_y - 0.16 * h),
            (cabin_x + 0.10 * w, cabin_y - 0.09 * h),
        ],
        fill=(70, 40, 35),
    )
    draw.rectangle(
        [cabin_x + 0.03 * w, cabin_y - 0.05 * h, cabin_x + 0.05 * w, cabin_y - 0.02 * h], fill=(255, 210, 110)
    )
    for i in range(14):
        tx = (0.02 + 0.07 * i + rng.uniform(-0.02, 0.02)) * w
        if abs(tx - cabin_x - 0.045 * w) < 0.08 * w:
            continue
        tall = rng.uniform(0.10, 0.18) * h
        base_y = lake_top + rng.uniform(-4, 2)
        draw.polygon([(tx - 0.022 * w, base_y), (tx, base_y - tall), (tx + 0.022 * w, base_y)], fill=(25, 55, 40))
    noise = rng.normal(0, 3.5, (h, w, 3))
    pixels = np.asarray(canvas.filter(ImageFilter.SMOOTH), np.float32) + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def example_painting(size: int = 512) -> Image.Image:
    """Swirling impasto strokes along a flow field, in deep blues and warm yellows."""
    rng = np.random.default_rng(5)
    canvas = Image.new("RGB", (size, size), (25, 45, 95))
    draw = ImageDraw.Draw(canvas)
    palette = [
        (20, 40, 110),
        (40, 80, 160),
        (70, 120, 190),
        (230, 200, 80),
        (250, 230, 140),
        (30, 60, 60),
        (200, 120, 40),
    ]
    centers = rng.uniform(0.15, 0.85, (4, 2)) * size
    for _ in range(1400):
        x, y = rng.uniform(0, size, 2)
        base = palette[int(rng.integers(len(palette)))]
        jitter = rng.integers(-18, 18, 3)
        color = tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(base, jitter, strict=True))
        width = int(rng.integers(3, 9))
        points = [(x, y)]
        for _ in range(int(rng.integers(6, 16))):
            cx, cy = min(centers, key=lambda c: (c[0] - x) ** 2 + (c[1] - y) ** 2)
            angle = math.atan2(y - cy, x - cx) + math.pi / 2 + 0.3 * math.sin(x / 40)
            x, y = x + 6 * math.cos(angle), y + 6 * math.sin(angle)
            points.append((x, y))
        draw.line(points, fill=color, width=width, joint="curve")
    return canvas.filter(ImageFilter.SMOOTH_MORE)
