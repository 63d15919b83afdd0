"""OpenAI Images API (``POST /v1/images/generations``).

Shapes follow the API reference (platform.openai.com/docs/api-reference/images/create):
GPT image models answer ``data[0].b64_json`` plus ``usage`` (``input_tokens``,
``output_tokens``); DALL-E models answer ``data[0].url`` unless asked for base64. Errors are
``{"error": {"message", "type", "code"}}``; the moderation codes ``moderation_blocked`` and
``content_policy_violation`` are refusals. ``size``, ``quality``, ``output_format``,
``background`` and the rest go from the generator's parameters into the body unchanged, so
the API's own defaults hold when they are absent. The response names no model version.
"""

from __future__ import annotations

from typing import Any

from generation.providers.base import Output
from generation.providers.http import (
    Api,
    HttpProvider,
    api_url,
    decode_base64,
    dig,
    model_params,
    token_cost,
)


class OpenAIImagesProvider(HttpProvider):
    name = "openai_images"
    default_base_url = "https://api.openai.com"

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        body = {**model_params(params), "model": self.model_id, "prompt": prompt, "n": 1}
        data = api.json("POST", api_url(self.base_url, "/v1/images/generations"), json=body)
        url = dig(data, "data", 0, "url")
        if url and not dig(data, "data", 0, "b64_json"):
            content, media_type = api.download(url)
        else:
            content = decode_base64(dig(data, "data", 0, "b64_json"))
            media_type = f"image/{dig(data, 'output_format') or params.get('output_format', 'png')}"
        usage = dig(data, "usage")
        return Output(
            content=content,
            media_type=media_type,
            cost=token_cost(params, dig(usage, "input_tokens"), dig(usage, "output_tokens")),
        )
