"""Every provider's edit path against a local fake of its API: request shape, success,
failures (429, 500, 401, timeout, malformed JSON) and answers that are not images."""

from __future__ import annotations

import base64
import io
from email.parser import BytesParser
from email.policy import default as email_policy

import pytest
from PIL import Image

from generation.providers.fal import FalProvider
from generation.providers.gemini import GeminiProvider
from generation.providers.openai_images import OpenAIImagesProvider
from generation.providers.replicate import ReplicateProvider
from generation.providers.webhook import WebhookProvider
from tests.generation.providers.conftest import (
    KEY,
    LOCAL,
    NOT_AN_IMAGE,
    Reply,
    assert_rejected_as_not_an_image,
)

FAST = {"poll_interval_s": 0.01}


@pytest.fixture
def source() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "#aa3322").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def mask() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (16, 16), (0, 0, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def form_parts(received) -> dict[str, tuple[str | None, bytes]]:
    """A multipart/form-data body as {field: (file name or None, bytes)}."""
    head = f"Content-Type: {received.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=email_policy).parsebytes(head + received.body)
    return {
        part.get_param("name", header="content-disposition"): (
            part.get_filename(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


# --- OpenAI Images: POST /v1/images/edits, multipart ------------------------------------------

OPENAI_EDITS = "/v1/images/edits"


def openai(server, client):
    return OpenAIImagesProvider(
        model_id="gpt-image-1", api_key=KEY, key_hosts=LOCAL, base_url=server.url, client=client
    )


def test_openai_sends_image_and_mask_as_multipart_files(api_server, http_client, source, mask, png):
    api_server.on("POST", OPENAI_EDITS, Reply(json={"data": [{"b64_json": b64(png)}]}))
    params = {"quality": "high", "size": "1024x1024", "timeout_s": 30}

    output = openai(api_server, http_client).edit("Make it blue", source, mask, params)

    (sent,) = api_server.requests_to(OPENAI_EDITS)
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = form_parts(sent)
    assert parts["image"] == ("image.png", source)
    assert parts["mask"] == ("mask.png", mask)
    fields = {name: value.decode() for name, (filename, value) in parts.items() if not filename}
    assert fields == {
        "model": "gpt-image-1",
        "prompt": "Make it blue",
        "n": "1",
        "quality": "high",
        "size": "1024x1024",
    }
    assert output.content == png


def test_openai_sends_no_mask_part_without_a_mask_and_may_use_another_model(
    api_server, http_client, source, png
):
    api_server.on("POST", OPENAI_EDITS, Reply(json={"data": [{"b64_json": b64(png)}]}))
    openai(api_server, http_client).edit("x", source, None, {"edit_model": "gpt-image-1.5"})
    parts = form_parts(api_server.requests_to(OPENAI_EDITS)[0])
    assert "mask" not in parts
    assert parts["model"] == (None, b"gpt-image-1.5")


def test_openai_edit_maps_each_failure(api_server, http_client, source, failure):
    api_server.on("POST", OPENAI_EDITS, failure.reply)
    failure.check(lambda: openai(api_server, http_client).edit("x", source, None, {}))


def test_openai_edit_that_is_not_an_image_is_refused(api_server, http_client, source):
    api_server.on("POST", OPENAI_EDITS, Reply(json={"data": [{"b64_json": b64(NOT_AN_IMAGE)}]}))
    assert_rejected_as_not_an_image(openai(api_server, http_client).edit("x", source, None, {}))


# --- Gemini: generateContent with the image inline ---------------------------------------------

GEMINI = "/v1beta/models/gemini-2.5-flash-image:generateContent"


def gemini(server, client):
    return GeminiProvider(
        model_id="gemini-2.5-flash-image",
        api_key=KEY,
        key_hosts=LOCAL,
        base_url=server.url,
        client=client,
    )


def gemini_answer(data: bytes) -> Reply:
    part = {"inlineData": {"mimeType": "image/png", "data": b64(data)}}
    return Reply(json={"candidates": [{"content": {"parts": [part]}, "finishReason": "STOP"}]})


def test_gemini_sends_the_instruction_then_the_image_inline(api_server, http_client, source, png):
    api_server.on("POST", GEMINI, gemini_answer(png))

    output = gemini(api_server, http_client).edit("Add a hat", source, None, {"temperature": 0.2})

    (sent,) = api_server.requests_to(GEMINI)
    assert sent.headers["x-goog-api-key"] == KEY
    inline = {"inlineData": {"mimeType": "image/png", "data": b64(source)}}
    assert sent.json["contents"] == [{"parts": [{"text": "Add a hat"}, inline]}]
    assert sent.json["generationConfig"] == {"temperature": 0.2, "responseModalities": ["IMAGE"]}
    assert output.content == png


def test_gemini_sends_a_mask_as_a_second_image_and_says_what_it_means(
    api_server, http_client, source, mask, png
):
    api_server.on("POST", GEMINI, gemini_answer(png))
    gemini(api_server, http_client).edit("Add a hat", source, mask, {})
    parts = api_server.requests_to(GEMINI)[0].json["contents"][0]["parts"]
    assert [p.get("inlineData", {}).get("data") for p in parts[1:3]] == [b64(source), b64(mask)]
    assert "transparent" in parts[3]["text"]


def test_gemini_edit_maps_each_failure(api_server, http_client, source, failure):
    api_server.on("POST", GEMINI, failure.reply)
    failure.check(lambda: gemini(api_server, http_client).edit("x", source, None, {}))


def test_gemini_edit_that_is_not_an_image_is_refused(api_server, http_client, source):
    api_server.on("POST", GEMINI, gemini_answer(NOT_AN_IMAGE))
    assert_rejected_as_not_an_image(gemini(api_server, http_client).edit("x", source, None, {}))


# --- fal: the queue, with the image input named per model ----------------------------------------

FAL_EDIT = "fal-ai/flux-pro/kontext"


def fal(server, client):
    return FalProvider(
        model_id="fal-ai/flux-pro", api_key=KEY, key_hosts=LOCAL, base_url=server.url, client=client
    )


def fal_queue(server, cdn, body: bytes) -> None:
    status, result = "/requests/r-1/status", "/requests/r-1"
    submitted = {
        "request_id": "r-1",
        "status_url": server.url + status,
        "response_url": server.url + result,
    }
    server.on("POST", f"/{FAL_EDIT}", Reply(json=submitted))
    server.on("GET", status, Reply(json={"status": "COMPLETED"}))
    server.on("GET", result, Reply(json={"images": [{"url": cdn.url + "/o.png"}]}))
    cdn.on("GET", "/o.png", Reply(body=body, headers={"Content-Type": "image/png"}))  # fmt: skip


def test_fal_posts_the_image_as_a_data_uri_to_the_edit_model(
    api_server, cdn_server, http_client, source, mask, png
):
    fal_queue(api_server, cdn_server, png)
    params = {**FAST, "edit_model": FAL_EDIT, "guidance_scale": 3.5}

    output = fal(api_server, http_client).edit("Make it night", source, mask, params)

    (sent,) = api_server.requests_to(f"/{FAL_EDIT}")
    assert sent.headers["authorization"] == f"Key {KEY}"
    assert sent.json == {
        "prompt": "Make it night",
        "guidance_scale": 3.5,
        "image_url": "data:image/png;base64," + b64(source),
        "mask_url": "data:image/png;base64," + b64(mask),
    }
    assert output.content == png


def test_fal_names_the_image_input_as_the_generator_says(
    api_server, cdn_server, http_client, source, png
):
    fal_queue(api_server, cdn_server, png)
    params = {**FAST, "edit_model": FAL_EDIT, "image_param": "image_urls", "image_as_list": True}
    fal(api_server, http_client).edit("x", source, None, params)
    sent = api_server.requests_to(f"/{FAL_EDIT}")[0].json
    assert sent == {"prompt": "x", "image_urls": ["data:image/png;base64," + b64(source)]}


def test_fal_edit_maps_each_failure(api_server, http_client, source, failure):
    api_server.on("POST", f"/{FAL_EDIT}", failure.reply)
    params = {**FAST, "edit_model": FAL_EDIT}
    failure.check(lambda: fal(api_server, http_client).edit("x", source, None, params))


def test_fal_edit_that_is_not_an_image_is_refused(api_server, cdn_server, http_client, source):
    fal_queue(api_server, cdn_server, NOT_AN_IMAGE)
    output = fal(api_server, http_client).edit("x", source, None, {**FAST, "edit_model": FAL_EDIT})
    assert_rejected_as_not_an_image(output)


# --- Replicate: a prediction whose input carries the image ---------------------------------------

REPLICATE = "/v1/models/black-forest-labs/flux-kontext-pro/predictions"


def replicate(server, client):
    return ReplicateProvider(
        model_id="black-forest-labs/flux-kontext-pro",
        api_key=KEY,
        key_hosts=LOCAL,
        base_url=server.url,
        client=client,
    )


def replicate_done(server, cdn, body: bytes) -> None:
    prediction = {"id": "p", "status": "succeeded", "output": cdn.url + "/o.png", "model": "m"}
    server.on("POST", REPLICATE, Reply(json=prediction))
    cdn.on("GET", "/o.png", Reply(body=body, headers={"Content-Type": "image/png"}))


def test_replicate_sends_the_image_under_the_models_input_name(
    api_server, cdn_server, http_client, source, png
):
    replicate_done(api_server, cdn_server, png)

    output = replicate(api_server, http_client).edit("Make it 1920s", source, None, {"seed": 4})

    (sent,) = api_server.requests_to(REPLICATE)
    assert sent.headers["prefer"] == "wait"
    assert sent.json == {
        "input": {
            "seed": 4,
            "prompt": "Make it 1920s",
            "input_image": "data:image/png;base64," + b64(source),
        }
    }
    assert output.content == png


def test_replicate_takes_the_input_names_from_the_edit_parameters(
    api_server, cdn_server, http_client, source, mask, png
):
    replicate_done(api_server, cdn_server, png)
    params = {"image_param": "image", "mask_param": "mask_image"}
    replicate(api_server, http_client).edit("x", source, mask, params)
    sent = api_server.requests_to(REPLICATE)[0].json["input"]
    assert sent["image"] == "data:image/png;base64," + b64(source)
    assert sent["mask_image"] == "data:image/png;base64," + b64(mask)


def test_replicate_edit_maps_each_failure(api_server, http_client, source, failure):
    api_server.on("POST", REPLICATE, failure.reply)
    failure.check(lambda: replicate(api_server, http_client).edit("x", source, None, FAST))


def test_replicate_edit_that_is_not_an_image_is_refused(
    api_server, cdn_server, http_client, source
):
    replicate_done(api_server, cdn_server, NOT_AN_IMAGE)
    output = replicate(api_server, http_client).edit("x", source, None, FAST)
    assert_rejected_as_not_an_image(output)


# --- The webhook: the image as base64 in the JSON body -------------------------------------------


def webhook(server, client):
    return WebhookProvider(
        model_id="brand-editor",
        api_key=KEY,
        key_hosts=LOCAL,
        base_url=server.url + "/edit",
        client=client,
    )


def test_webhook_posts_the_task_and_the_image_as_base64(api_server, http_client, source, mask, png):
    api_server.on("POST", "/edit", Reply(body=png, headers={"Content-Type": "image/png"}))

    output = webhook(api_server, http_client).edit("Remove the logo", source, mask, {"steps": 8})

    (sent,) = api_server.requests_to("/edit")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json == {
        "task": "edit",
        "prompt": "Remove the logo",
        "model": "brand-editor",
        "parameters": {"steps": 8},
        "image_base64": b64(source),
        "mask_base64": b64(mask),
    }
    assert output.content == png


def test_webhook_edit_maps_each_failure(api_server, http_client, source, failure):
    api_server.on("POST", "/edit", failure.reply)
    failure.check(lambda: webhook(api_server, http_client).edit("x", source, None, {}))


def test_webhook_edit_that_is_not_an_image_is_refused(api_server, http_client, source):
    api_server.on("POST", "/edit", Reply(body=NOT_AN_IMAGE, headers={"Content-Type": "image/png"}))
    assert_rejected_as_not_an_image(webhook(api_server, http_client).edit("x", source, None, {}))
