"""Maps provider names (Generator.provider) to their classes."""

from __future__ import annotations

from generation.providers.base import Provider
from generation.providers.builtin_edit import BuiltinProvider
from generation.providers.external import ExternalProvider
from generation.providers.fal import FalProvider
from generation.providers.gemini import GeminiProvider
from generation.providers.openai_chat import OpenAIChatProvider
from generation.providers.openai_images import OpenAIImagesProvider
from generation.providers.replicate import ReplicateProvider
from generation.providers.webhook import WebhookProvider

_PROVIDERS: dict[str, type[Provider]] = {
    cls.name: cls
    for cls in (
        BuiltinProvider,
        ExternalProvider,
        FalProvider,
        GeminiProvider,
        OpenAIChatProvider,
        OpenAIImagesProvider,
        ReplicateProvider,
        WebhookProvider,
    )
}


def provider_names() -> list[str]:
    return sorted(_PROVIDERS)


def get_provider_class(name: str) -> type[Provider]:
    try:
        return _PROVIDERS[name]
    except KeyError:
        known = ", ".join(provider_names())
        raise ProviderLookupError(f"Unknown provider {name!r}; known: {known}") from None


class ProviderLookupError(LookupError):
    pass
