"""Google Gemini image generation (``POST /v1beta/models/{model}:generateContent``).

Shapes follow ai.google.dev/api/generate-content and the image generation and editing guides.
Gemini takes no mask: a mask goes as a second inline image, explained in words.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from generation.providers.base import Output
from generation.providers.http import (
    Api,
    Edit,
    HttpProvider,
    decode_base64,
    dig,
    model_params,
    refusal,
    token_cost,
    unexpected,
)

BLOCKING_FINISH_REASONS = frozenset({
    "SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
    "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
})  # fmt: skip
IMAGE_CONFIG = {"aspect_ratio": "aspectRatio", "image_size": "imageSize"}
MASK_NOTE = (
    "The second image is a mask of the first: change only where the mask is transparent "
    "and keep everything else exactly as it is."
)


class GeminiProvider(HttpProvider):
    name = "gemini"
    default_base_url = "https://generativelanguage.googleapis.com"

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.api_key}

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        return self._answer(api, self.model_id, _request_body([{"text": prompt}], params), params)

    def call_edit(self, api: Api, edit: Edit, params: dict[str, Any]) -> Output:
        parts: list[dict[str, Any]] = [{"text": edit.instruction}, _inline(edit.image)]
        if edit.mask is not None:
            parts += [_inline(edit.mask), {"text": MASK_NOTE}]
        return self._answer(api, edit.model, _request_body(parts, params), params)

    def _answer(self, api: Api, model: str, body: dict, params: dict[str, Any]) -> Output:
        model = model.removeprefix("models/")
        url = f"{self.base_url}/v1beta/models/{model}:generateContent"
        data = api.json("POST", url, json=body)
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


def _inline(png: bytes) -> dict[str, Any]:
    return {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode()}}


def _request_body(parts: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in model_params(params).items() if k not in IMAGE_CONFIG}
    image_config = {IMAGE_CONFIG[k]: params[k] for k in IMAGE_CONFIG if k in params}
    config["responseModalities"] = params.get("response_modalities", ["IMAGE"])
    if image_config:
        config["imageConfig"] = image_config
    return {"contents": [{"parts": parts}], "generationConfig": config}


def _cost(params: dict[str, Any], usage: Any) -> Decimal | None:
    if not isinstance(usage, dict):
        return None
    # Thinking tokens of the Pro image models are billed at the output rate.
    output = sum(usage.get(key) or 0 for key in ("candidatesTokenCount", "thoughtsTokenCount"))
    return token_cost(params, usage.get("promptTokenCount"), output)
