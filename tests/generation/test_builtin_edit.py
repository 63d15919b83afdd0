from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.providers import ProviderError, get_provider_class
from generation.providers.builtin_edit import misspell

EDITOR = get_provider_class("builtin")(model_id="builtin-editor")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def source() -> bytes:
    image = Image.new("RGB", (160, 120), "#dddddd")
    ImageDraw.Draw(image).rectangle((60, 40, 100, 80), fill="#aa3322")
    return png(image)


@pytest.fixture
def mask() -> bytes:
    """Transparent (may change) on the left half, opaque (keep) on the right half."""
    image = Image.new("RGBA", (160, 120), (0, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 80, 120))
    return png(image)


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=float)


def change(before: bytes, after: bytes, columns: slice) -> float:
    """Mean absolute change per channel over some columns."""
    return float(np.abs(pixels(after) - pixels(before))[:, columns].mean())


def test_an_edit_is_a_png_of_the_source_size_and_the_same_every_time(source):
    params = {"instruction_following": 0.6, "fidelity": 0.7}
    first = EDITOR.edit("Recolour the box", source, None, params)
    second = EDITOR.edit("Recolour the box", source, None, params)
    assert first.media_type == "image/png"
    assert first.content == second.content
    assert Image.open(io.BytesIO(first.content)).size == (160, 120)
    assert first.content != source


def test_a_faithful_editor_leaves_the_masked_out_half_alone_and_a_careless_one_does_not(
    source, mask
):
    good = EDITOR.edit("Replace the background", source, mask, {"fidelity": 1.0})
    careless = EDITOR.edit("Replace the background", source, mask, {"fidelity": 0.3})
    kept = slice(90, 160)  # well inside the opaque half, past the mask's edge
    assert change(source, good.content, kept) < 1.0
    assert change(source, careless.content, kept) > 10.0


def test_an_editor_that_follows_instructions_changes_the_asked_area_more(source, mask):
    strong = EDITOR.edit("Replace the background", source, mask, {"instruction_following": 1})
    weak = EDITOR.edit("Replace the background", source, mask, {"instruction_following": 0.2})
    asked = slice(0, 70)
    assert change(source, strong.content, asked) > 2 * change(source, weak.content, asked)


@pytest.mark.parametrize(
    "instruction",
    ["Replace the background with a beach", "Remove the box", "Make it a watercolor painting",
     'Write "SALE" on it', "Make the box blue"],
)  # fmt: skip
def test_every_kind_of_instruction_changes_the_picture(source, instruction):
    output = EDITOR.edit(instruction, source, None, {})
    assert change(source, output.content, slice(0, 160)) > 1.0


def test_told_to_fail_it_fails_as_told(source):
    with pytest.raises(ProviderError) as caught:
        EDITOR.edit("x", source, None, {"fail": "transient"})
    assert not caught.value.permanent
    with pytest.raises(ProviderError, match="bad built-in edit parameters"):
        EDITOR.edit("x", source, None, {"fidelity": "lots"})


def test_a_source_that_is_not_an_image_is_a_permanent_error():
    with pytest.raises(ProviderError) as caught:
        EDITOR.edit("x", b"not a picture", None, {})
    assert caught.value.permanent


def test_providers_without_an_edit_api_say_so_permanently(source):
    external = get_provider_class("external")(model_id="imported")
    with pytest.raises(ProviderError, match="cannot edit") as caught:
        external.edit("x", source, None, {})
    assert caught.value.permanent


def test_quoted_text_is_lettered_with_fewer_mistakes_by_a_better_editor():
    shown = {q: misspell("FIG JAM", q, random.Random(1)) for q in (1.0, 0.8, 0.5, 0.0)}
    wrong = {
        q: sum(a != b for a, b in zip(text, "FIG JAM", strict=True)) for q, text in shown.items()
    }
    assert wrong == {1.0: 0, 0.8: 1, 0.5: 3, 0.0: 6}
    assert shown[1.0] == "FIG JAM" and shown[0.0][3] == " "
