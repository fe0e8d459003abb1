"""Fuzzing the image loader: mutated real files must load or raise ImageError, quickly.

The quick run here is part of every test run; `python benchmarks/fuzz_images.py --minutes 5`
is the long one (results in benchmarks/RESULTS-fuzz.md).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import nst
from tests.helpers.hostile import fuzz_seeds

SEEDS = fuzz_seeds()


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "overwrite", "truncate", "insert", "big_number"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "big_number" and len(data) > at + 4:
            data[at : at + 4] = b"\xff\xff\x7f\xff"
    return bytes(data)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated())
def test_mutated_files_load_or_raise_image_error(data):
    try:
        image = nst.load_image(data)
    except nst.ImageError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(image, Image.Image) and image.mode == "RGB"
