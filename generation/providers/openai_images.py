"""OpenAI Images API (``POST /v1/images/generations``).

Shapes follow the API reference (platform.openai.com/docs/api-reference/images/create):
GPT image models answer ``data[0].b64_json`` plus ``usage`` (``input_tokens``,
``output_tokens``); DALL-E models answer ``data[0].url`` unless asked for base64. Errors are
``{"error": {"message", "type", "code"}}``; the moderation codes ``moderation_blocked`` and
``content_policy_violation`` are refusals. ``size``, ``quality``, ``output_format``,
``background`` and the rest go from the generator's parameters into the body unchanged, so
the API's own defaults hold when they are absent. The response names no model version.

Edits go to ``POST /v1/images/edits`` as multipart form data (reference: images/createEdit):
the fields ``model``, ``prompt``, ``n`` and the model parameters, the file ``image`` and, when
the prompt has one, the file ``mask`` (a PNG of the image's size, transparent where the edit
may change it). The answer has the same shape as a generation's.
"""

from __future__ import annotations

import json
from typing import Any

from generation.providers.base import Output
from generation.providers.http import (
    Api,
    Edit,
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
        return _output(api, data, params)

    def call_edit(self, api: Api, edit: Edit, params: dict[str, Any]) -> Output:
        model = params.get("edit_model") or self.model_id
        fields = {**model_params(params), "model": model, "prompt": edit.instruction, "n": 1}
        files = {"image": ("image.png", edit.image, "image/png")}
        if edit.mask is not None:
            files["mask"] = ("mask.png", edit.mask, "image/png")
        url = api_url(self.base_url, "/v1/images/edits")
        data = api.json("POST", url, data=_form(fields), files=files)
        return _output(api, data, params)


def _form(fields: dict[str, Any]) -> dict[str, str]:
    """Form fields as the API reads them: numbers and words as text, anything else as JSON."""
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in fields.items()
        if value is not None
    }


def _output(api: Api, data: Any, params: dict[str, Any]) -> Output:
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
