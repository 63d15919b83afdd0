"""A generic webhook for in-house models and LoRA endpoints: this project's own small contract.

The adapter POSTs ``{"prompt", "model", "parameters"}`` (an edit adds ``"task": "edit"``,
``image_base64`` and ``mask_base64``) to the base URL; the endpoint answers the image itself
or JSON with ``image_base64``/``b64_json``, ``image_url``/``url`` or ``text``, and optional
``media_type``, ``model_version`` and ``cost``.
"""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import Any

from generation.providers.base import Output, ProviderError
from generation.providers.http import (
    Api,
    Edit,
    HttpProvider,
    decode_base64,
    model_params,
    parse_json,
    unexpected,
)


class WebhookProvider(HttpProvider):
    name = "webhook"
    needs_key = False

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        body = {"prompt": prompt, "model": self.model_id, "parameters": model_params(params)}
        return self._post(api, body)

    def call_edit(self, api: Api, edit: Edit, params: dict[str, Any]) -> Output:
        body = {
            "task": "edit",
            "prompt": edit.instruction,
            "model": edit.model,
            "parameters": model_params(params),
            "image_base64": base64.b64encode(edit.image).decode(),
        }
        if edit.mask is not None:
            body["mask_base64"] = base64.b64encode(edit.mask).decode()
        return self._post(api, body)

    def _post(self, api: Api, body: dict[str, Any]) -> Output:
        if not self.base_url:
            raise ProviderError("the webhook provider needs a base URL", permanent=True)
        response = api.send("POST", self.base_url, json=body)
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type.startswith("image/"):
            return Output(content=response.content, media_type=media_type)
        data = parse_json(response)
        if not isinstance(data, dict):
            raise unexpected("the webhook answered JSON that is not an object")
        return Output(**_content(api, data), **_metadata(data))


def _content(api: Api, data: dict[str, Any]) -> dict[str, Any]:
    encoded = data.get("image_base64") or data.get("b64_json")
    url = data.get("image_url") or data.get("url")
    if encoded:
        media_type = data.get("media_type", "image/png")
        return {"content": decode_base64(encoded), "media_type": media_type}
    if url:
        content, media_type = api.download(str(url))
        return {"content": content, "media_type": media_type or "image/png"}
    if isinstance(data.get("text"), str):
        return {"text": data["text"], "media_type": "text/plain"}
    raise unexpected("no image_base64, b64_json, image_url, url or text")


def _metadata(data: dict[str, Any]) -> dict[str, Any]:
    cost = None
    if data.get("cost") is not None:
        try:
            cost = Decimal(str(data["cost"]))
        except InvalidOperation:
            cost = Decimal("NaN")
        if not cost.is_finite():
            raise unexpected("cost is not a number")
    return {"cost": cost, "model_version": str(data.get("model_version") or "")}
