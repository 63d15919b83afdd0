"""fal.ai queue API (``https://queue.fal.run/{model_id}``).

Shapes follow fal's queue documentation (docs.fal.ai/model-endpoints/queue): submitting
answers ``{request_id, status_url, response_url}``; the status URL reports ``IN_QUEUE``,
``IN_PROGRESS`` or ``COMPLETED``; the response URL holds the model's output, for image
models ``{"images": [{"url", "content_type"}], "has_nsfw_concepts": [...]}``. Errors are
``{"detail": "..."}`` or a list of validation errors. fal's safety checker answers with a
blacked-out image and ``has_nsfw_concepts: [true]``, which is a refusal. fal reports
neither a model version nor a price. ``poll_interval_s`` and ``deadline_s`` pace the polling.

Edits go through the same queue. Edit models take the source as a file input whose name
varies per model, so the generator's edit parameters say it: ``edit_model`` (the edit
endpoint, e.g. ``fal-ai/flux-pro/kontext``; default the model id), ``image_param`` (default
``image_url``), ``image_as_list`` (``true`` for models that take ``image_urls``) and
``mask_param`` (default ``mask_url``). fal accepts files as ``data:`` URIs, so the image
never needs a public address.
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
        return self._run(api, params.get("edit_model") or self.model_id, body, params)

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
