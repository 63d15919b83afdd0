"""Fixtures of the generation tests."""

from __future__ import annotations

# A local HTTP server that speaks a provider's API, for tests of the whole pipeline too.
from tests.generation.providers.conftest import api_server  # noqa: F401
