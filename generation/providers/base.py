"""The contract every provider implements, and the errors it may raise."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import httpx


class ProviderError(Exception):
    """A provider call failed; ``permanent``: trying again cannot help; ``auth``: the provider
    rejected the API key, so no call with it can succeed."""

    def __init__(
        self, message: str, *, permanent: bool, retry_after: float | None = None, auth: bool = False
    ):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.auth = auth


@dataclass(frozen=True)
class Output:
    """What one call produced: image bytes or text, plus what it cost."""

    content: bytes | None = None
    text: str | None = None
    media_type: str = "image/png"
    cost: Decimal | None = None
    model_version: str = ""


class Provider:
    """One provider API: subclasses set ``name`` and implement ``generate`` (and ``edit``).

    A client the provider builds itself reaches public addresses only, plus ``allowed_hosts``
    (``generation.providers.guard``); the API key goes only to ``key_hosts`` (``.keys``).
    """

    name: ClassVar[str]
    default_base_url: ClassVar[str] = ""
    needs_key: ClassVar[bool] = True
    # The parameter that picks the model's random seed, if it has one: a fresh output of the
    # same prompt (for a voter who saw the usual one) gets a new seed through it.
    seed_parameter: ClassVar[str] = ""

    def __init__(
        self,
        *,
        model_id: str,
        api_key: str = "",
        base_url: str = "",
        client: httpx.Client | None = None,
        allowed_hosts: frozenset[str] = frozenset(),
        key_hosts: frozenset[str] = frozenset(),
    ):
        self.model_id = model_id
        self.api_key = api_key
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.client = client
        self.allowed_hosts = allowed_hosts
        self.key_hosts = key_hosts

    def generate(self, prompt: str, params: dict[str, Any]) -> Output:
        raise NotImplementedError

    def edit(
        self, instruction: str, image: bytes, mask: bytes | None, params: dict[str, Any]
    ) -> Output:
        """Apply ``instruction`` to ``image`` (PNG bytes, no metadata) where ``mask`` (a PNG of
        its size, or None for anywhere) is transparent."""
        raise ProviderError(f"the {self.name} provider cannot edit images", permanent=True)
