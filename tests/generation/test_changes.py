"""A generator's fingerprint: the arena knows when what decides its outputs has changed."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from generation.models import Generator
from tests.conftest import make_generator

pytestmark = pytest.mark.django_db
migration = importlib.import_module("generation.migrations.0005_generator_fingerprint_changed_at")


def _saved(generator: Generator, **fields) -> tuple[bool, Generator]:
    """Set fields on a generator read afresh and save it, as any code path would."""
    generator = Generator.objects.get(id=generator.id)
    before = generator.changed_at
    for name, value in fields.items():
        setattr(generator, name, value)
    generator.save()
    generator.refresh_from_db()
    return generator.changed_at != before, generator


def test_a_new_generator_gets_its_fingerprint_and_no_change():
    generator = Generator(name="Fresh", slug="fresh", provider="builtin", model_id="builtin-a")
    generator.save()
    generator.refresh_from_db()
    assert generator.fingerprint == generator.behaviour_fingerprint()
    assert generator.changed_at is None


@pytest.mark.parametrize(
    "fields",
    [
        {"provider": "openai_images"},
        {"model_id": "builtin-other"},
        {"parameters": {"size": 128}},
        {"edit_parameters": {"edit_model": "other"}},
    ],
)
def test_a_new_provider_model_or_parameters_is_a_change(fields):
    generator = make_generator("Aurora")
    before = timezone.now()
    changed, generator = _saved(generator, **fields)
    assert changed
    assert generator.changed_at >= before
    assert generator.fingerprint == generator.behaviour_fingerprint()


def test_a_name_price_or_switch_is_no_change_and_keeps_the_last_change():
    generator = make_generator("Aurora")
    _, generator = _saved(generator, model_id="builtin-v2")
    when = generator.changed_at
    changed, generator = _saved(
        generator, name="Aurora 2", price_per_output="0.02", enabled=False, max_concurrency=3
    )
    assert not changed
    assert generator.changed_at == when


def test_the_same_parameters_in_another_order_are_no_change():
    generator = make_generator("Aurora", layout="centered", palette="sunset")
    reordered = json.loads(json.dumps({"palette": "sunset", "size": 64, "layout": "centered"}))
    changed, _ = _saved(generator, parameters=reordered)
    assert not changed


def test_a_change_is_seen_although_the_row_had_no_fingerprint_yet():
    generator = make_generator("Aurora")
    Generator.objects.filter(id=generator.id).update(fingerprint="")  # as rows of old
    changed, generator = _saved(generator, parameters={"size": 256})
    assert changed


def test_a_generator_created_anyhow_has_its_fingerprint():
    generator = make_generator("Aurora")  # Generator.objects.create
    generator.refresh_from_db()
    assert generator.fingerprint == generator.behaviour_fingerprint()
    assert generator.changed_at is None


def test_a_save_limited_to_some_fields_records_the_change():
    generator = Generator.objects.get(id=make_generator("Aurora").id)
    generator.model_id = "builtin-aurora-v3"
    generator.save(update_fields=["model_id"])
    generator.refresh_from_db()
    assert generator.changed_at is not None
    assert generator.fingerprint == generator.behaviour_fingerprint()


def test_a_queryset_update_is_recorded_by_the_next_save():
    # update() sends no signal; the stored fingerprint keeps the old behaviour, so the next
    # save of any field sees the difference.
    generator = make_generator("Aurora")
    Generator.objects.filter(id=generator.id).update(model_id="builtin-aurora-v4")
    assert Generator.objects.get(id=generator.id).changed_at is None
    changed, generator = _saved(generator, name="Aurora Four")
    assert changed
    assert generator.fingerprint == generator.behaviour_fingerprint()


def test_editing_the_model_in_the_admin_records_the_change(admin_client):
    generator = make_generator("Aurora")
    url = reverse("admin:generation_generator_change", args=[generator.id])
    form = {
        "name": generator.name,
        "slug": generator.slug,
        "provider": "builtin",
        "model_id": "builtin-aurora-v2",
        "modality": "image",
        "capabilities": "generate",
        "parameters": json.dumps(generator.parameters),
        "edit_parameters": "{}",
        "base_url": "",
        "api_key_env": "",
        "price_per_output": "0.01",
        "max_concurrency": "0",
        "enabled": "on",
        "disabled_reason": "",
        "_save": "Save",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302
    generator.refresh_from_db()
    assert generator.model_id == "builtin-aurora-v2"
    assert generator.changed_at is not None
    page = admin_client.get(url)
    assert generator.fingerprint in page.content.decode()


def test_the_migration_fills_fingerprints_without_marking_changes():
    generator = make_generator("Aurora")
    migration.fill_fingerprints(apps, None)
    generator.refresh_from_db()
    assert generator.fingerprint == generator.behaviour_fingerprint()
    assert generator.changed_at is None
