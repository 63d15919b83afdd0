from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from generation.outputs import reencode_image, store_output
from generation.providers import ProviderError

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:tool="http://ns.example/tool/" tool:model="SecretModel-9000"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _png_with_metadata() -> bytes:
    image = Image.new("RGB", (32, 32), "#336699")
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "SecretModel-9000, seed 42")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    exif = Image.Exif()
    exif[0x0131] = "SecretModel-9000"  # Software
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def _jpeg_with_metadata() -> bytes:
    image = Image.new("RGB", (32, 32), "#993366")
    exif = Image.Exif()
    exif[0x0131] = "SecretModel-9000"
    exif[0x010F] = "SecretMaker"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, xmp=XMP, comment=b"SecretModel-9000")
    return buffer.getvalue()


@pytest.mark.parametrize("source", [_png_with_metadata, _jpeg_with_metadata])
@pytest.mark.parametrize("fmt", ["png", "webp", "jpeg"])
def test_reencoding_removes_exif_xmp_and_text_chunks(source, fmt):
    original = source()
    assert b"SecretModel-9000" in original
    data, media_type = reencode_image(original, fmt=fmt)
    assert b"SecretModel-9000" not in data
    assert b"SecretMaker" not in data
    image = Image.open(io.BytesIO(data))
    assert media_type == f"image/{fmt}"
    assert image.format == fmt.upper()
    assert not image.getexif()
    assert not {
        k
        for k in image.info
        if k
        not in (
            "dpi",
            "jfif",
            "jfif_version",
            "jfif_unit",
            "jfif_density",
            "loop",
            "background",
            "duration",
            "timestamp",
        )
    }


def test_reencoding_keeps_the_pixels():
    data, _ = reencode_image(_png_with_metadata(), fmt="png")
    assert Image.open(io.BytesIO(data)).getpixel((5, 5)) == (0x33, 0x66, 0x99)


def test_bytes_that_are_not_an_image_fail_permanently():
    with pytest.raises(ProviderError) as error:
        reencode_image(b"<html>rate limited</html>", fmt="png")
    assert error.value.permanent
    assert "not an image" in str(error.value)


def test_outputs_are_stored_under_their_content_hash_once(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    name = store_output(b"\x89PNG fake", "image/png")
    assert name.startswith("outputs/") and name.endswith(".png")
    assert len(name.split("/")[1]) == 64 + 4
    assert store_output(b"\x89PNG fake", "image/png") == name
    assert len(list((tmp_path / "outputs").iterdir())) == 1
