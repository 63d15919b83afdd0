from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from generation.outputs import PAD_COLOUR, reencode_image, store_output
from generation.providers import ProviderError
from generation.served import served_store
from generation.services import generation_get_or_create, generation_run
from tests.arena.test_padding import served_length
from tests.conftest import make_generator

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
    png = io.BytesIO()
    Image.new("RGB", (20, 10), "#336699").save(png, "PNG")
    name = store_output(png.getvalue(), "image/png")
    assert name.startswith("outputs/") and name.endswith(".png")
    assert len(name.split("/")[1]) == 64 + 4
    assert store_output(png.getvalue(), "image/png") == name
    assert len(list((tmp_path / "outputs").iterdir())) == 1
    # What voters are sent is written when a battle shows it, once, named after it.
    assert not (tmp_path / "served").exists()
    assert served_store(name) == served_store(name) == f"served/{name.split('/')[1]}"
    served = list((tmp_path / "served").iterdir())
    assert [path.name for path in served] == [name.split("/")[1]]
    assert served[0].stat().st_size == served_length(20, 10, 3)


def _stored_size(generation) -> tuple[int, int]:
    with generation.file.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read())).size


def test_generators_with_different_native_sizes_store_outputs_of_one_size(settings, prompt):
    settings.ARENA_OUTPUT_SIZE = (320, 320)
    small, large = make_generator("Small", size=64), make_generator("Large", size=500)
    sizes = []
    for generator in (small, large):
        generation, _ = generation_get_or_create(prompt=prompt, generator=generator)
        sizes.append(_stored_size(generation_run(generation_id=generation.id, claim="t")))
    assert sizes == [(320, 320), (320, 320)]


def test_an_output_of_another_aspect_is_fitted_and_padded_to_the_box():
    wide = Image.new("RGB", (300, 100), "#ff0000")
    buffer = io.BytesIO()
    wide.save(buffer, format="PNG")
    data, _ = reencode_image(buffer.getvalue(), fmt="png", size=(200, 200))
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (200, 200)
    assert image.getpixel((100, 100)) == (255, 0, 0)  # the picture, scaled to 200 x 67
    assert image.getpixel((100, 5)) == PAD_COLOUR == image.getpixel((100, 195))


def test_native_size_keeps_each_output_as_it_came():
    data, _ = reencode_image(_png_with_metadata(), fmt="png", size=None)
    assert Image.open(io.BytesIO(data)).size == (32, 32)
