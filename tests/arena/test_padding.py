"""Padding keeps every pixel and reaches the exact length, in each format the arena serves."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from arena.padding import OVERHEAD, pad, padded_length


def _image(fmt: str, mode: str = "RGB", size=(37, 23), **options) -> bytes:
    rng = random.Random(1)
    image = Image.new(mode, size)
    image.putdata([tuple(rng.randrange(256) for _ in mode) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _decoded(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size, image.mode, image.tobytes()


CASES = {
    "png": lambda: _image("PNG"),
    "png with alpha": lambda: _image("PNG", "RGBA"),
    "jpeg": lambda: _image("JPEG", quality=92),
    "webp lossy": lambda: _image("WEBP", quality=80),
    "webp lossless with alpha": lambda: _image("WEBP", "RGBA", lossless=True),
    "webp extended already": lambda: _image("WEBP", "RGBA", quality=80),
}


@pytest.mark.parametrize("case", CASES)
def test_padding_keeps_the_pixels_and_reaches_the_length(case):
    data = CASES[case]()
    length = padded_length((len(data), len(data) + 5000), 4096)
    out = pad(data, length)
    assert len(out) == length and length % 4096 == 0
    assert _decoded(out) == _decoded(data)


@pytest.mark.parametrize("case", CASES)
def test_the_larger_side_pads_too_so_both_sides_match(case):
    data = CASES[case]()
    length = padded_length((len(data), 10), 2)
    assert length >= len(data) + OVERHEAD
    assert len(pad(data, length)) == length and _decoded(pad(data, length)) == _decoded(data)


def test_other_files_are_refused():
    with pytest.raises(ValueError, match="PNG, JPEG and WebP"):
        pad(b"GIF89a" + bytes(40), 4096)
