"""OpenAI-compatible chat completions (``POST /v1/chat/completions``), for text arenas.

Shapes follow platform.openai.com/docs/api-reference/chat/create, which vLLM, llama.cpp,
Ollama, LiteLLM and most hosted gateways also speak.
"""

from __future__ import annotations

from typing import Any

from generation.providers.base import Output
from generation.providers.http import (
    Api,
    HttpProvider,
    api_url,
    dig,
    model_params,
    refusal,
    token_cost,
    unexpected,
)


class OpenAIChatProvider(HttpProvider):
    name = "openai_chat"
    default_base_url = "https://api.openai.com"
    needs_key = False  # self-hosted servers often run without one; OpenAI itself answers 401

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        messages = [{"role": "user", "content": prompt}]
        if params.get("system_prompt"):
            messages.insert(0, {"role": "system", "content": str(params["system_prompt"])})
        body = {**model_params(params), "model": self.model_id, "messages": messages}
        data = api.json("POST", api_url(self.base_url, "/v1/chat/completions"), json=body)
        choice = dig(data, "choices", 0)
        if dig(choice, "finish_reason") == "content_filter":
            raise refusal("the answer was filtered (finish_reason content_filter)")
        if dig(choice, "message", "refusal"):
            raise refusal(str(choice["message"]["refusal"]))
        text = dig(choice, "message", "content")
        if not isinstance(text, str) or not text:
            raise unexpected("no choices[0].message.content")
        usage = dig(data, "usage")
        return Output(
            text=text,
            media_type="text/plain",
            model_version=str(dig(data, "model") or ""),
            cost=token_cost(params, dig(usage, "prompt_tokens"), dig(usage, "completion_tokens")),
        )
