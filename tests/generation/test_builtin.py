from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from generation.providers import ProviderError, get_provider_class
from generation.providers.builtin import BuiltinProvider


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
