"""Maps provider names (Generator.provider) to their classes.

A provider's module is imported when its class is first asked for, not when Django starts:
the adapters bring httpx, numpy and Pillow with them, which most commands never use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generation.providers.base import Provider

# Each name is its class's ``name`` (a test holds them to it).
_PROVIDERS: dict[str, str] = {
    "builtin": "generation.providers.builtin_edit.BuiltinProvider",
    "external": "generation.providers.external.ExternalProvider",
    "fal": "generation.providers.fal.FalProvider",
    "gemini": "generation.providers.gemini.GeminiProvider",
    "openai_chat": "generation.providers.openai_chat.OpenAIChatProvider",
    "openai_images": "generation.providers.openai_images.OpenAIImagesProvider",
    "replicate": "generation.providers.replicate.ReplicateProvider",
    "webhook": "generation.providers.webhook.WebhookProvider",
}


def provider_names() -> list[str]:
    return sorted(_PROVIDERS)


def get_provider_class(name: str) -> type[Provider]:
    try:
        path = _PROVIDERS[name]
    except KeyError:
        known = ", ".join(provider_names())
        raise ProviderLookupError(f"Unknown provider {name!r}; known: {known}") from None
    module, _, cls = path.rpartition(".")
    return getattr(import_module(module), cls)


class ProviderLookupError(LookupError):
    pass
