"""The generator admin: statistics per generator, the disabled reason, a test button."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from generation import services
from generation.concurrency import GeneratorBusy
from generation.models import Generation, Generator
from generation.services import (
    generation_get_or_create,
    generation_run,
    generation_run_now,
    prompt_params_hash,
)
from tests.conftest import make_generator

CHANGELIST = "admin:generation_generator_changelist"


def _test_action(client, *generators):
    return client.post(
        reverse(CHANGELIST),
        {"action": "test_generator", "_selected_action": [g.id for g in generators]},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_list_shows_outputs_failures_median_latency_and_mean_cost(
    admin_client, prompt, generators
):
    for latency in (100, 300, 200):
        generation, _ = generation_get_or_create(prompt=prompt, generator=generators[0])
        generation_run(generation_id=generation.id, claim=f"task-{latency}")
        Generation.objects.filter(id=generation.id).update(latency_ms=latency, reusable=False)
    Generation.objects.create(
        prompt=prompt, generator=generators[0], params_hash="x", status="failed", error="boom"
    )

    rows = {row.id: row for row in admin_client.get(reverse(CHANGELIST)).context["cl"].result_list}

    assert rows[generators[0].id].stats == {
        "outputs": 3,
        "failures": 1,
        "median_latency_ms": 200,
        "mean_cost": 0.01,
    }
    assert rows[generators[1].id].stats == {}
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "200 ms" in page and "$0.0100" in page


def _queries_for_the_list(client) -> int:
    cache.clear()  # statistics are cached: count the queries that compute them too
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_many_generators(admin_client, prompt, generators):
    for generator in generators:
        generation_run_now(generator=generator, prompt=prompt)
    few = _queries_for_the_list(admin_client)
    for i in range(20):
        generation_run_now(generator=make_generator(f"Extra {i}"), prompt=prompt)

    assert _queries_for_the_list(admin_client) == few


def test_the_list_shows_why_a_generator_was_disabled(admin_client, generators):
    Generator.objects.filter(id=generators[1].id).update(
        enabled=False, disabled_reason="The provider rejected the API key: HTTP 401"
    )
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "The provider rejected the API key: HTTP 401" in page


def test_turning_a_generator_back_on_clears_its_reason(admin_client, generators):
    generator = generators[1]
    Generator.objects.filter(id=generator.id).update(enabled=False, disabled_reason="key rejected")
    form = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(generators[0].id),
        "form-0-enabled": "on",
        "form-1-id": str(generator.id),
        "form-1-enabled": "on",
        "_save": "Save",
    }
    admin_client.post(reverse(CHANGELIST), form)
    generator.refresh_from_db()
    assert generator.enabled and generator.disabled_reason == ""


def test_testing_a_generator_links_to_its_fresh_output(admin_client, generators):
    response = _test_action(admin_client, generators[0])

    generation = Generation.objects.get()
    (message,) = _messages(response)
    url = reverse("output-file", args=[generation.file.name.split("/")[1]])
    assert f'href="{url}"' in message
    assert f"{generation.latency_ms} ms" in message and "builtin-1" in message
    assert admin_client.get(url).status_code == 200
    assert not generation.reusable and not generation.prompt.active


def test_testing_a_failing_generator_shows_the_error(admin_client, db):
    broken = make_generator("Broken", fail="permanent")

    (message,) = _messages(_test_action(admin_client, broken))

    assert message == "Broken failed: built-in provider told to fail (permanent)"


def test_testing_a_busy_generator_says_so_and_records_nothing(
    admin_client, generators, monkeypatch
):
    @contextmanager
    def busy(**kwargs):
        raise GeneratorBusy("all 1 slots are taken")
        yield

    monkeypatch.setattr(services, "generator_slot", busy)

    (message,) = _messages(_test_action(admin_client, generators[0]))

    assert "every concurrency slot is taken" in message
    assert not Generation.objects.exists()


def test_testing_many_generators_tries_only_the_first_few(admin_client, db):
    chosen = [make_generator(f"Many {i}") for i in range(4)]

    messages = _messages(_test_action(admin_client, *chosen))

    assert Generation.objects.count() == 3
    assert messages[-1] == "Tested the first 3 generators only."


def test_testing_an_edit_only_generator_runs_an_edit(admin_client, db):
    editor = make_generator("Editor Only")
    editor.capabilities = Generator.Capability.EDIT
    editor.save()

    (message,) = _messages(_test_action(admin_client, editor))

    generation = Generation.objects.get()
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.prompt.source_image.startswith("sources/")
    assert generation.prompt.kind == "edit" and not generation.prompt.active
    assert generation.params_hash == prompt_params_hash(generation.prompt, editor)
    with generation.file.open("rb") as output:
        assert Image.open(output).size == (256, 256)  # an edit keeps its source's size
    assert "one edit in" in message


def test_testing_a_generator_that_also_edits_still_generates(admin_client, db):
    both = make_generator("Both Ways")
    both.capabilities = Generator.Capability.BOTH
    both.save()

    (message,) = _messages(_test_action(admin_client, both))

    assert Generation.objects.get().prompt.source_image == ""
    assert "one output in" in message
