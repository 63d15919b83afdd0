"""Google Gemini image generation (``POST /v1beta/models/{model}:generateContent``).

Shapes follow the Gemini API reference (ai.google.dev/api/generate-content) and the image
generation guide: the request asks for ``responseModalities`` and may carry
``imageConfig.aspectRatio`` / ``imageSize``; the answer holds
``candidates[0].content.parts[*].inlineData {mimeType, data}``, ``modelVersion`` and
``usageMetadata`` (``promptTokenCount``, ``candidatesTokenCount``, ``thoughtsTokenCount``,
the last two billed as output). A blocked prompt shows as ``promptFeedback.blockReason``, a
blocked answer as a safety ``finishReason``; both are refusals. Generator parameters
``aspect_ratio`` and ``image_size`` fill ``imageConfig``; other model parameters go into
``generationConfig`` under the API's own names (``temperature``, ``seed``, ...).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generation.providers.base import Output
from generation.providers.http import (
    Api,
    HttpProvider,
    decode_base64,
    dig,
    model_params,
    refusal,
    token_cost,
    unexpected,
)

BLOCKING_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)
IMAGE_CONFIG = {"aspect_ratio": "aspectRatio", "image_size": "imageSize"}


class GeminiProvider(HttpProvider):
    name = "gemini"
    default_base_url = "https://generativelanguage.googleapis.com"

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.api_key}

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        model = self.model_id.removeprefix("models/")
        url = f"{self.base_url}/v1beta/models/{model}:generateContent"
        data = api.json("POST", url, json=_request_body(prompt, params))
        block = dig(data, "promptFeedback", "blockReason")
        if block:
            raise refusal(f"prompt blocked ({block})")
        candidate = dig(data, "candidates", 0)
        if candidate is None:
            raise unexpected("no candidates")
        finish = dig(candidate, "finishReason")
        if finish in BLOCKING_FINISH_REASONS:
            raise refusal(f"answer blocked ({finish})")
        parts = dig(candidate, "content", "parts") or []
        image = next((p["inlineData"] for p in parts if dig(p, "inlineData", "data")), None)
        if image is None:
            said = " ".join(str(p["text"]) for p in parts if dig(p, "text"))
            raise unexpected(f"no image (finishReason {finish}) {said}".strip())
        return Output(
            content=decode_base64(image["data"]),
            media_type=image.get("mimeType", "image/png"),
            model_version=str(dig(data, "modelVersion") or ""),
            cost=_cost(params, dig(data, "usageMetadata")),
        )


def _request_body(prompt: str, params: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in model_params(params).items() if k not in IMAGE_CONFIG}
    image_config = {IMAGE_CONFIG[k]: params[k] for k in IMAGE_CONFIG if k in params}
    config["responseModalities"] = params.get("response_modalities", ["IMAGE"])
    if image_config:
        config["imageConfig"] = image_config
    return {"contents": [{"parts": [{"text": prompt}]}], "generationConfig": config}


def _cost(params: dict[str, Any], usage: Any) -> Decimal | None:
    if not isinstance(usage, dict):
        return None
    # Thinking tokens of the Pro image models are billed at the output rate.
    output = sum(usage.get(key) or 0 for key in ("candidatesTokenCount", "thoughtsTokenCount"))
    return token_cost(params, usage.get("promptTokenCount"), output)
