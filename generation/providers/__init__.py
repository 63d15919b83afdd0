"""Provider adapters: one module per API, one base contract, one registry."""

from __future__ import annotations

from generation.providers.base import Output, Provider, ProviderError
from generation.providers.registry import get_provider_class, provider_names

__all__ = ["Output", "Provider", "ProviderError", "get_provider_class", "provider_names"]
