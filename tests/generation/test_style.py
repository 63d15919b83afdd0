"""Style features of outputs: known pictures, the store, and the command that fills older ones."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw, ImageFilter

from arena.services import edit_prompt_create
from generation.features import FEATURES, image_features, preservation
from generation.models import Generation, OutputStyle
from generation.services import generation_get_or_create, generation_run
from generation.style import output_style_measure, output_style_record
from tests.conftest import source_png


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _checkerboard(size: int = 128, square: int = 8) -> Image.Image:
    cells = (np.indices((size, size)) // square).sum(axis=0) % 2
    return Image.fromarray((cells * 255).astype(np.uint8)).convert("RGB")


def _scene(size: int = 128) -> Image.Image:
    image = Image.new("RGB", (size, size), "#3060c0")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 90, 90), fill="#f0c020")
    draw.rectangle((60, 70, 120, 120), fill="#c02030")
    return image


def test_a_grey_picture_has_no_colourfulness_and_no_saturation():
    grey = image_features(Image.new("RGB", (64, 64), (128, 128, 128)))
    assert grey["colourfulness"] == 0.0
    assert grey["saturation"] == 0.0
    assert grey["brightness"] == pytest.approx(128 / 255, abs=1e-6)
    assert grey["contrast"] == 0.0 and grey["sharpness"] == 0.0


def test_a_colourful_picture_is_more_colourful_and_saturated_than_its_grey_copy():
    scene = _scene()
    colour, grey = image_features(scene), image_features(scene.convert("L"))
    assert colour["colourfulness"] > 40 > grey["colourfulness"] == 0.0
    assert colour["saturation"] > 0.5 > grey["saturation"] == 0.0


def test_pure_red_has_the_hasler_susstrunk_colourfulness_worked_by_hand():
    # rg = 255, yb = 127.5 everywhere: no spread, so 0.3 * sqrt(255^2 + 127.5^2).
    red = image_features(Image.new("RGB", (16, 16), (255, 0, 0)))
    assert red["colourfulness"] == pytest.approx(0.3 * np.hypot(255, 127.5), rel=1e-6)
    assert red["saturation"] == 1.0


def test_a_blurred_copy_is_less_sharp_and_holds_less_detail():
    sharp = _checkerboard()
    blurred = sharp.filter(ImageFilter.GaussianBlur(3))
    a, b = image_features(sharp), image_features(blurred)
    assert b["sharpness"] < a["sharpness"] / 10
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 256, (128, 128), dtype=np.uint8))
    flat = Image.new("L", (128, 128))
    assert image_features(noisy)["detail"] > a["detail"] > image_features(flat)["detail"]


def test_contrast_and_brightness_follow_black_and_white_halves():
    halves = np.zeros((64, 64), dtype=np.uint8)
    halves[:, 32:] = 255
    features = image_features(Image.fromarray(halves))
    assert features["brightness"] == pytest.approx(0.5, abs=1e-6)
    assert features["contrast"] == pytest.approx(0.5, abs=1e-6)


def test_preservation_counts_only_what_the_mask_keeps():
    source = Image.new("RGB", (40, 40), (100, 100, 100))
    edited = source.copy()
    ImageDraw.Draw(edited).rectangle((0, 0, 19, 39), fill=(200, 100, 100))  # left half changed
    mask = Image.new("RGBA", (40, 40), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle((0, 0, 19, 39), fill=(0, 0, 0, 0))  # left half may change
    assert preservation(edited, source, mask) == 0.0
    whole = preservation(edited, source, None)
    assert whole == pytest.approx((100 / 3) / 2 / 255, rel=1e-6)


def test_a_stored_output_has_its_style_measured_once(prompt, generators):
    generation = generation_get_or_create(prompt=prompt, generator=generators[0])[0]
    generation = generation_run(generation_id=generation.id, claim="task-1")
    style = OutputStyle.objects.get(generation=generation)
    with generation.file.open("rb") as stored:
        expected = output_style_measure(content=stored.read(), prompt=prompt)
    assert {name: getattr(style, name) for name in FEATURES} == pytest.approx(expected)
    assert style.preservation is None


def test_an_edit_output_also_measures_how_much_of_its_source_changed(ready_edit_battle):
    styles = OutputStyle.objects.filter(
        generation__in=[ready_edit_battle.generation_a, ready_edit_battle.generation_b]
    )
    assert styles.count() == 2
    assert all(0.0 <= style.preservation <= 1.0 for style in styles)


def test_an_edit_with_a_mask_compares_only_the_kept_part(edit_category):
    image = _scene(64)
    mask = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(mask).rectangle((0, 0, 31, 63), fill=255)  # white: may change
    prompt = edit_prompt_create(
        text="Make the left half red", category=edit_category, image=_png(image), mask=_png(mask)
    )
    edited = image.copy()
    ImageDraw.Draw(edited).rectangle((0, 0, 31, 63), fill="#ff0000")
    kept = output_style_measure(content=_png(edited), prompt=prompt)
    assert kept["preservation"] == 0.0
    everywhere = image.copy()
    ImageDraw.Draw(everywhere).rectangle((32, 0, 63, 63), fill="#ff0000")
    assert output_style_measure(content=_png(everywhere), prompt=prompt)["preservation"] > 0.1


def test_measure_styles_fills_outputs_stored_before_and_measures_nothing_twice(
    ready_battle, capsys
):
    OutputStyle.objects.all().delete()
    call_command("measure_styles")
    assert "Styles measured: 2." in capsys.readouterr().out
    assert OutputStyle.objects.count() == 2
    call_command("measure_styles")
    assert "Styles measured: 0." in capsys.readouterr().out


def test_measure_styles_reports_an_output_whose_file_is_gone(ready_battle, capsys):
    OutputStyle.objects.all().delete()
    Generation.objects.filter(id=ready_battle.generation_a_id).update(file="outputs/gone.png")
    call_command("measure_styles")
    out = capsys.readouterr().out
    assert "Styles measured: 1." in out and "Not measured (unreadable, see the log): 1." in out


def test_an_edit_whose_source_is_gone_is_left_without_a_style(ready_edit_battle):
    OutputStyle.objects.all().delete()
    prompt = ready_edit_battle.prompt
    prompt.source_image = "sources/missing.png"
    generation = ready_edit_battle.generation_a
    stored = output_style_record(generation_id=generation.id, content=source_png(), prompt=prompt)
    assert not stored and not OutputStyle.objects.exists()
