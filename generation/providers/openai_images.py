"""OpenAI Images API (``POST /v1/images/generations``, edits ``POST /v1/images/edits``).

Shapes follow platform.openai.com/docs/api-reference/images: GPT image models answer
``b64_json`` with token ``usage``, DALL-E models a ``url``. Model parameters go into the body
unchanged, so the API's own defaults hold when they are absent.
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
        fields = {**model_params(params), "model": edit.model, "prompt": edit.instruction, "n": 1}
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
