"""Replicate predictions API (``POST /v1/models/{owner}/{name}/predictions``).

Shapes follow replicate.com/docs/reference/http; a model id ``owner/name:version`` runs that
version through ``POST /v1/predictions``. A failed prediction is permanent unless its error
reads like infrastructure trouble; safety checker failures are refusals even though their text
suggests trying again.
"""

from __future__ import annotations

import re
from typing import Any

from generation.providers.base import Output, ProviderError
from generation.providers.http import (
    Api,
    Edit,
    HttpProvider,
    api_url,
    dig,
    edit_inputs,
    model_params,
    number_option,
    poll,
    refusal,
    unexpected,
)

TERMINAL = frozenset({"succeeded", "failed", "canceled"})
REFUSAL_ERROR = re.compile(r"nsfw|safety|content polic|flagged as sensitive", re.IGNORECASE)
TRANSIENT_ERROR = re.compile(
    r"timed? ?out|temporar|unavailable|rate.?limit|overloaded|connection|internal server error",
    re.IGNORECASE,
)


class ReplicateProvider(HttpProvider):
    name = "replicate"
    seed_parameter = "seed"
    default_base_url = "https://api.replicate.com"

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        body: dict[str, Any] = {"input": {**model_params(params), "prompt": prompt}}
        return self._predict(api, self.model_id, body, params)

    def call_edit(self, api: Api, edit: Edit, params: dict[str, Any]) -> Output:
        files = edit_inputs(edit, params, image="input_image", mask="mask")
        body: dict[str, Any] = {
            "input": {**model_params(params), "prompt": edit.instruction, **files}
        }
        return self._predict(api, edit.model, body, params)

    def _predict(self, api: Api, model_id: str, body: dict, params: dict[str, Any]) -> Output:
        model, _, version = model_id.partition(":")
        if version:
            url, body["version"] = api_url(self.base_url, "/v1/predictions"), version
        else:
            url = api_url(self.base_url, f"/v1/models/{model}/predictions")
        prediction = api.json("POST", url, json=body, headers=_prefer(params))
        if dig(prediction, "status") not in TERMINAL:
            poll_url = dig(prediction, "urls", "get")
            if not poll_url:
                raise unexpected("no urls.get to poll")
            prediction = poll(lambda: api.json("GET", poll_url), _finished, params)
        _raise_unless_succeeded(prediction)
        output = dig(prediction, "output")
        url = output[0] if isinstance(output, list) and output else output
        if not isinstance(url, str):
            raise unexpected("output is not a file URL")
        content, media_type = api.download(url)
        return Output(
            content=content,
            media_type=media_type or "image/png",
            model_version=_version(prediction),
        )


def _prefer(params: dict[str, Any]) -> dict[str, str]:
    wait = params.get("prefer_wait", True)
    if wait is False:
        return {}
    if wait is True:
        return {"Prefer": "wait"}
    return {"Prefer": f"wait={int(number_option(params, 'prefer_wait', 60))}"}


def _version(prediction: Any) -> str:
    reported = (dig(prediction, "model"), dig(prediction, "version"))
    return ":".join(part for part in reported if isinstance(part, str) and part)


def _finished(prediction: Any) -> bool:
    return dig(prediction, "status") in TERMINAL


def _raise_unless_succeeded(prediction: Any) -> None:
    status = dig(prediction, "status")
    if status == "succeeded":
        return
    error = str(dig(prediction, "error") or f"prediction {status}")
    if REFUSAL_ERROR.search(error):
        raise refusal(error)
    transient = status == "failed" and bool(TRANSIENT_ERROR.search(error))
    raise ProviderError(f"prediction {status}: {error}", permanent=not transient)
