"""fal.ai queue API (``https://queue.fal.run/{model_id}``).

Shapes follow docs.fal.ai/model-endpoints/queue. fal's safety checker answers a blacked-out
image with ``has_nsfw_concepts: [true]``: a refusal, not an output. Edit inputs go as ``data:``
URIs, so the image never needs a public address (parameters: docs/edit-battles.md).
"""

from __future__ import annotations

from typing import Any

from generation.providers.base import Output
from generation.providers.http import (
    Api,
    Edit,
    HttpProvider,
    dig,
    edit_inputs,
    model_params,
    poll,
    refusal,
    unexpected,
)

WAITING = frozenset({"IN_QUEUE", "IN_PROGRESS"})


class FalProvider(HttpProvider):
    name = "fal"
    seed_parameter = "seed"
    default_base_url = "https://queue.fal.run"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.api_key}"}

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        body = {**model_params(params), "prompt": prompt}
        return self._run(api, self.model_id, body, params)

    def call_edit(self, api: Api, edit: Edit, params: dict[str, Any]) -> Output:
        body = {
            **model_params(params),
            "prompt": edit.instruction,
            **edit_inputs(edit, params, image="image_url", mask="mask_url"),
        }
        return self._run(api, edit.model, body, params)

    def _run(self, api: Api, model: str, body: dict, params: dict[str, Any]) -> Output:
        queued = api.json("POST", f"{self.base_url}/{model}", json=body)
        status_url, response_url = dig(queued, "status_url"), dig(queued, "response_url")
        if not (status_url and response_url):
            raise unexpected("no status_url or response_url")
        status = poll(lambda: api.json("GET", status_url), _finished, params)
        if dig(status, "status") != "COMPLETED":
            raise unexpected(f"request status {dig(status, 'status')!r}")
        result = api.json("GET", response_url)
        if any(dig(result, "has_nsfw_concepts") or []):
            raise refusal("fal's safety checker flagged the image")
        # Most image models answer a list of images; a few answer a single ``image``.
        image = dig(result, "images", 0) or dig(result, "image")
        if not dig(image, "url"):
            raise unexpected("no image URL")
        content, media_type = api.download(image["url"])
        media_type = image.get("content_type") or media_type or "image/png"
        return Output(content=content, media_type=media_type)


def _finished(status: Any) -> bool:
    return dig(status, "status") not in WAITING
