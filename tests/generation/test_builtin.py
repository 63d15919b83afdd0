from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from generation.providers import ProviderError, get_provider_class
from generation.providers.builtin import LAYOUTS, PALETTES, BuiltinProvider, _options, style_of
from generation.providers.builtin_scene import COLOURS, card_words, subject_of


def _pixels(prompt: str, **params) -> np.ndarray:
    output = BuiltinProvider(model_id="builtin").generate(prompt, {"size": 128, **params})
    assert output.media_type == "image/png"
    return np.asarray(Image.open(io.BytesIO(output.content)).convert("RGB"), dtype=np.int16)


def test_the_builtin_provider_is_deterministic_for_prompt_and_parameters():
    first = _pixels("A red handbag", layout="grid", noise=0.3)
    again = _pixels("A red handbag", layout="grid", noise=0.3)
    assert np.array_equal(first, again)


def test_different_prompts_give_different_pictures():
    assert not np.array_equal(_pixels("A red handbag"), _pixels("A blue teapot"))


@pytest.mark.parametrize(
    "params",
    [
        {"palette": "ocean"},
        {"layout": "radial"},
        {"noise": 0.5},
        {"text_quality": 0.1},
    ],
)
def test_each_parameter_changes_the_picture_visibly(params):
    base = _pixels("Logo for a bakery", layout="centered", palette="sunset")
    changed = _pixels("Logo for a bakery", **{"layout": "centered", "palette": "sunset", **params})
    # Mean absolute difference per channel, on a 0..255 scale.
    assert np.abs(base - changed).mean() > 2.0


def test_bad_parameters_fail_permanently():
    for params in ({"layout": "spiral"}, {"palette": "nope"}, {"size": "big"}):
        with pytest.raises(ProviderError) as error:
            BuiltinProvider(model_id="builtin").generate("x", params)
        assert error.value.permanent


def test_the_fail_parameter_fails_the_way_it_is_told():
    with pytest.raises(ProviderError) as error:
        BuiltinProvider(model_id="builtin").generate("x", {"fail": "transient"})
    assert not error.value.permanent


def test_the_registry_knows_the_builtin_provider_and_names_the_known_ones():
    assert issubclass(get_provider_class("builtin"), BuiltinProvider)
    with pytest.raises(LookupError, match="builtin"):
        get_provider_class("nonesuch")


def _style(prompt: str, model_id: str, **params) -> tuple:
    options = _options(params)
    style = style_of(prompt, options, model_id=model_id)
    return tuple(style["colours"]), style["layout"], style["grain"]


def test_the_look_follows_prompt_and_seed_never_the_generators_quality():
    best = {"faithfulness": 1, "text_quality": 1, "artefacts": 0, "balance": 1, "seed": 7}
    worst = {"faithfulness": 0, "text_quality": 0, "artefacts": 1, "balance": 0, "seed": 7}
    prompt = "A red leather handbag on a white marble table"
    assert _style(prompt, "model-a", **best) == _style(prompt, "model-b", **worst)
    looks = {_style(prompt, "model-a", seed=seed) for seed in range(30)}
    assert len(looks) > 10  # a new seed, a new look


def test_one_generator_ranges_over_every_palette_and_layout():
    looks = [_style(f"Prompt number {i}", "builtin-aurora") for i in range(60)]
    assert len({colours for colours, _, _ in looks}) == len(PALETTES)
    assert len({layout for _, layout, _ in looks}) == len(LAYOUTS)


def test_the_quality_knobs_change_the_picture_and_not_its_look():
    good = _pixels("A red handbag", seed=3)
    bad = _pixels("A red handbag", seed=3, faithfulness=0, text_quality=0, artefacts=1, balance=0)
    assert np.abs(good - bad).mean() > 2.0


def test_the_subject_is_the_object_and_colour_the_prompt_names():
    assert subject_of("A red leather handbag on a table") == ("bag", "#d62828")
    assert subject_of("A minimal geometric fox logo")[0] == "animal"
    assert subject_of("Something unheard of") == ("card", None)
    assert subject_of("A red bicycle by a brick wall") == ("bicycle", COLOURS["red"])
    assert subject_of("A mechanical wristwatch on a slate stone")[0] == "watch"


def _near(pixels: np.ndarray, colour: str, within: float = 45.0) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.linalg.norm(pixels - rgb, axis=2) < within


@pytest.mark.parametrize(
    "prompt",
    [
        "A blue bicycle by a brick wall",
        "A red leather handbag on a white marble table",
        "A green glass bottle on a shelf",
        "An orange ceramic mug, morning kitchen",
        "A purple running shoe floating mid-air",
        "A gold mechanical watch on a slate stone",
        "A yellow backpack on a trail",
        "A red lighthouse on a cliff",
        "A pink birthday cake",
    ],
)
def test_a_known_object_is_drawn_in_the_named_colour(prompt):
    shape, colour = subject_of(prompt)
    assert shape != "card" and colour is not None
    # A grey palette, so that every pixel near the named colour is the object's.
    pixels = _pixels(prompt, palette="mono", layout="centered", text_quality=0.0, size=256)
    mask = _near(pixels, colour)
    rows, cols = np.nonzero(mask)
    assert mask.mean() > 0.02
    region = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    assert region.size < 0.4 * mask.size  # one object, not the whole picture
    # The named colour is what fills the object's region, more than any other hue.
    box = pixels[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    assert region.mean() > 0.15
    for name in ("red", "pink", "orange", "yellow", "gold", "green", "blue", "purple", "teal"):
        if COLOURS[name] != colour:
            assert _near(box, COLOURS[name], 30).sum() < region.sum(), name


def test_known_objects_have_shapes_of_their_own():
    masks = {
        word: _near(_pixels(f"A red {word}", palette="mono", layout="centered", seed=4), "#d62828")
        for word in ("bicycle", "lighthouse", "handbag", "watch", "bottle", "shoe")
    }
    for (one, a), (other, b) in itertools.combinations(masks.items(), 2):
        overlap = (a & b).sum() / (a | b).sum()
        assert overlap < 0.7, (one, other, overlap)


def test_an_unknown_object_is_a_card_lettered_with_the_prompts_words():
    assert subject_of("A purple zeppelin over the harbour") == ("card", COLOURS["purple"])
    assert card_words("A purple zeppelin over the harbour") == "ZEPPELIN HARBOUR"
    sharp = _pixels("A purple zeppelin", palette="mono", layout="centered", seed=2)
    blurred = _pixels(
        "A purple zeppelin", palette="mono", layout="centered", seed=2, text_quality=0.1
    )
    card = _near(sharp, COLOURS["purple"])
    rows, cols = np.nonzero(card)
    inside = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
    # The lettering on the card is what the text knob changes there.
    assert np.abs(sharp[inside] - blurred[inside]).mean() > 2.0


def _saturation_and_contrast(pixels: np.ndarray) -> tuple[float, float]:
    saturation = (pixels.max(axis=2) - pixels.min(axis=2)).mean()
    luminance = pixels @ np.array([0.299, 0.587, 0.114])
    return saturation, luminance.std()


def test_vividness_raises_saturation_and_contrast_and_changes_nothing_else():
    prompt = "A chalkboard cafe menu listing Espresso, Latte and Cortado"
    params = {"seed": 5, "text_quality": 0.5, "faithfulness": 0.5, "balance": 0.5, "size": 256}
    plain, vivid = _pixels(prompt, **params), _pixels(prompt, **params, vividness=1)
    assert np.array_equal(plain, _pixels(prompt, **params, vividness=0))
    (sat, con), (vivid_sat, vivid_con) = map(_saturation_and_contrast, (plain, vivid))
    assert vivid_sat > sat * 1.3 and vivid_con > con * 1.08
    # The same shapes, placement and letters: where the plain picture changes, the vivid one does.
    edges = [np.abs(np.diff(p.mean(axis=2), axis=1)) > 12 for p in (plain, vivid)]
    assert (edges[0] & edges[1]).sum() / edges[0].sum() > 0.9
    assert np.corrcoef(plain.mean(axis=2).ravel(), vivid.mean(axis=2).ravel())[0, 1] > 0.9
