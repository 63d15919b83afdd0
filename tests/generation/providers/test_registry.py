from __future__ import annotations

import pytest

from generation.providers import get_provider_class, provider_names
from generation.providers.builtin import BuiltinProvider
from generation.providers.registry import ProviderLookupError


def test_every_adapter_is_registered_under_its_name():
    assert provider_names() == [
        "builtin",
        "external",
        "fal",
        "gemini",
        "openai_chat",
        "openai_images",
        "replicate",
        "webhook",
    ]
    assert all(get_provider_class(name).name == name for name in provider_names())
    assert issubclass(get_provider_class("builtin"), BuiltinProvider)


def test_only_the_keyless_adapters_run_without_a_key():
    keyless = {name for name in provider_names() if not get_provider_class(name).needs_key}

    assert keyless == {"builtin", "external", "openai_chat", "webhook"}


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ProviderLookupError, match="openai_images"):
        get_provider_class("dalle")
