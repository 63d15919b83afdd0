"""What a voter is sent of an output: its pixels, at a length that only its size decides.

Each side used to be padded to its neighbour's length, but a parser read the padding's own
length (or the compressed stream's) and had the original size back. What is sent now is the
pixels in an uncompressed PNG written by one rule: these tests hold it to that, byte for byte.
"""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from arena.addresses import output_address
from arena.file_structure import file_features
from generation.served import IDAT_BYTES, served_png


def served_length(width: int, height: int, bands: int) -> int:
    """The length the PNG and deflate formats give every served file of this size and mode."""
    raw = height * (1 + width * bands)
    blocks = max(-(-raw // 65_535), 1)  # stored deflate blocks hold at most 65,535 bytes
    stream = 2 + 5 * blocks + raw + 4
    idats = max(-(-stream // IDAT_BYTES), 1)
    return 8 + (12 + 13) + 12 * idats + stream + 12


def _image(fmt: str, mode: str = "RGB", size=(37, 23), flat=False, **options) -> bytes:
    rng = random.Random(1)
    image = Image.new(mode, size, (90, 90, 90, 255)[: len(mode)])
    if not flat:
        image.putdata([tuple(rng.randrange(256) for _ in mode) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _decoded(data: bytes, mode: str) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size, image.convert(mode).tobytes()


CASES = {
    "png": lambda: _image("PNG"),
    "png with alpha": lambda: _image("PNG", "RGBA"),
    "jpeg": lambda: _image("JPEG", quality=92),
    "webp lossy": lambda: _image("WEBP", quality=80),
    "webp lossless with alpha": lambda: _image("WEBP", "RGBA", lossless=True),
    "webp extended already": lambda: _image("WEBP", "RGBA", quality=80),
}


@pytest.mark.parametrize("case", CASES)
def test_what_is_sent_keeps_every_pixel_and_has_the_length_of_its_size(case):
    data = CASES[case]()
    mode = "RGBA" if "alpha" in case or "extended" in case else "RGB"
    served = served_png(data)
    assert _decoded(served, mode) == _decoded(data, mode)
    assert len(served) == served_length(37, 23, len(mode))


def test_the_same_pixels_are_sent_as_the_same_bytes_whatever_file_they_came_in():
    png = _image("PNG", size=(64, 48))
    with Image.open(io.BytesIO(png)) as image:
        again = io.BytesIO()
        image.save(again, "WEBP", lossless=True)
        also = io.BytesIO()
        image.save(also, "PNG", compress_level=0)
    assert len({png, again.getvalue(), also.getvalue()}) == 3
    assert served_png(png) == served_png(again.getvalue()) == served_png(also.getvalue())


def test_a_light_and_a_heavy_output_of_one_size_give_a_parser_the_same_numbers():
    light, heavy = _image("PNG", size=(200, 150), flat=True), _image("PNG", size=(200, 150))
    assert len(heavy) > 20 * len(light)
    served = [served_png(light), served_png(heavy)]
    assert len(served[0]) == len(served[1]) == served_length(200, 150, 3)
    assert file_features(served[0]) == file_features(served[1])
    assert file_features(served[0])["filler"] == 0


def test_an_opaque_alpha_channel_is_not_sent_but_a_transparent_one_is():
    opaque = _image("PNG", "RGBA", flat=True)
    assert len(served_png(opaque)) == served_length(37, 23, 3)
    assert len(served_png(_image("PNG", "RGBA"))) == served_length(37, 23, 4)


def test_both_sides_of_a_battle_give_a_parser_nothing_but_their_size(voter_client, shown_battle):
    sizes = {g.file.size for g in (shown_battle.generation_a, shown_battle.generation_b)}
    assert len(sizes) == 2, "the fixture's two outputs should differ in size"
    bodies = [
        b"".join(voter_client.get(output_address(shown_battle, side)).streaming_content)
        for side in ("left", "right")
    ]
    assert len(bodies[0]) == len(bodies[1])
    assert file_features(bodies[0]) == file_features(bodies[1])
    assert file_features(bodies[0])["original"] not in sizes
