from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from generation.sources import (
    SourceImageError,
    mask_decode,
    read_source,
    source_decode,
    source_hash,
    source_store,
)

GPS_IFD = 0x8825


def picture(fmt: str = "PNG", size=(64, 48), colour="#336699", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def with_gps_and_text() -> bytes:
    """A PNG that tells where it was taken (EXIF GPS) and carries a text chunk."""
    image = Image.new("RGB", (64, 48), "#336699")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    info = PngInfo()
    info.add_text("Comment", "shot at the secret lab")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", exif=exif.tobytes(), pnginfo=info)
    return buffer.getvalue()


def test_the_fixture_really_carries_gps_and_a_text_chunk():
    data = with_gps_and_text()
    with Image.open(io.BytesIO(data)) as image:
        assert image.info["Comment"] == "shot at the secret lab"
        image.load()
        assert image.getexif().get_ifd(GPS_IFD)[1] == "N"


def test_a_stored_source_keeps_its_pixels_and_loses_gps_and_text_chunks(db):
    name = source_store(source_decode(with_gps_and_text()))
    stored = read_source(name)
    assert b"secret lab" not in stored and b"PhoneMaker" not in stored
    assert b"eXIf" not in stored and b"tEXt" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert image.size == (64, 48)
        image.load()
        assert "Comment" not in image.info
        assert not image.getexif()
        assert image.getpixel((10, 10)) == (0x33, 0x66, 0x99)


def test_the_same_picture_is_stored_once_under_its_hash(db):
    first = source_store(source_decode(picture()))
    second = source_store(source_decode(picture("WEBP", lossless=True)))
    assert first == second
    assert first.startswith("sources/") and len(source_hash(first)) == 64


def test_jpeg_orientation_is_applied_before_the_exif_goes():
    image = Image.new("RGB", (60, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    assert source_decode(buffer.getvalue()).size == (20, 60)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html>definitely not a picture</html>", "could not be decoded"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "could not be decoded"),
        (b"", "empty"),
        (picture("GIF"), "GIF file"),
        (picture(size=(8, 8)), "each side needs"),
    ],
    ids=["html", "truncated-png", "empty", "gif", "tiny"],
)
def test_bytes_that_are_not_an_acceptable_picture_are_refused_with_the_reason(data, reason):
    with pytest.raises(SourceImageError, match=reason):
        source_decode(data)


def test_size_and_pixel_limits_come_from_settings(settings):
    settings.ARENA_SOURCE_MAX_BYTES = 100
    with pytest.raises(SourceImageError, match=r"at most 0\.0 MB"):
        source_decode(picture(size=(200, 200), colour="#123456", compress_level=0))
    settings.ARENA_SOURCE_MAX_BYTES = 10_000_000
    settings.ARENA_SOURCE_MAX_PIXELS = 1000
    with pytest.raises(SourceImageError, match="pixels"):
        source_decode(picture(size=(40, 40)))


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size and holds no pixels: what a decompression bomb opens with."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.mark.parametrize("side", [10_000, 20_000], ids=["bomb-warning", "bomb-error"])
def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded(settings, side):
    settings.ARENA_SOURCE_MAX_PIXELS = 10_000_000_000  # let Pillow's own bomb check speak
    with pytest.raises(SourceImageError, match="could not be decoded"):
        source_decode(png_header(side, side))


def test_a_black_and_white_mask_is_stored_transparent_where_the_edit_may_change():
    drawn = Image.new("L", (64, 48), 0)
    drawn.paste(255, (0, 0, 32, 48))  # white: the left half may change
    buffer = io.BytesIO()
    drawn.save(buffer, format="PNG")
    mask = mask_decode(buffer.getvalue(), size=(64, 48))
    assert mask.mode == "RGBA"
    assert mask.getpixel((5, 5))[3] == 0
    assert mask.getpixel((60, 5))[3] == 255


def test_a_mask_of_another_size_is_refused():
    with pytest.raises(SourceImageError, match="same size"):
        mask_decode(picture(size=(32, 32)), size=(64, 48))


def test_conform_crops_an_answer_of_another_shape_to_the_source_shape_without_stretching():
    from generation.sources import conform

    wide = Image.new("RGB", (200, 100), "red")
    wide.paste((0, 0, 255), (0, 0, 50, 100))  # a blue strip on the left, cropped away
    buffer = io.BytesIO()
    wide.save(buffer, format="PNG")
    with Image.open(io.BytesIO(conform(buffer.getvalue(), (64, 64)))) as out:
        assert out.size == (64, 64)
        red, _, blue = out.convert("RGB").getpixel((2, 32))
        assert red > 250 and blue < 5  # the left edge is red: the blue strip was cropped
    same = picture(size=(64, 48))
    assert conform(same, (64, 48)) == same
    assert conform(b"not a picture", (64, 48)) == b"not a picture"
