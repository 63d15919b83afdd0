"""Generators known only from imported battles: rated, never called."""

from __future__ import annotations

from typing import Any

from generation.providers.base import Output, Provider, ProviderError


class ExternalProvider(Provider):
    name = "external"
    needs_key = False

    def generate(self, prompt: str, params: dict[str, Any]) -> Output:
        raise ProviderError(
            "this generator came from an imported battles file and has no API; "
            "set its provider in the admin to call it",
            permanent=True,
        )
