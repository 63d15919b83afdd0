"""STORAGE_BACKEND=s3 puts outputs in an S3-compatible bucket; they are still served only
through the signed-in view, never from a bucket URL."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse
from PIL import Image

from arena.models import Battle
from arena.services import battle_create
from generation.outputs import output_location

HAS_S3 = all(importlib.util.find_spec(m) for m in ("storages", "boto3"))
HAS_MOTO = HAS_S3 and importlib.util.find_spec("moto") is not None
BUCKET = "arena-outputs"


def _settings(code: str, prelude: str = "", **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_"))}
    script = f"{prelude}import arena.project.settings as s; {code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_local_files_are_the_default(settings):
    assert settings.STORAGE_BACKEND == "local"
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_s3_without_the_optional_packages_stops_with_how_to_install_them():
    hide = "import sys; sys.modules['storages'] = None; "
    result = _settings("", prelude=hide, STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME=BUCKET)
    assert result.returncode != 0
    assert "STORAGE_BACKEND=s3 needs django-storages and boto3" in result.stderr
    assert "pip install -e '.[s3]'" in result.stderr


def test_an_unknown_backend_is_refused():
    result = _settings("", STORAGE_BACKEND="ftp")
    assert result.returncode != 0 and "STORAGE_BACKEND must be one of local, s3" in result.stderr


@pytest.mark.skipif(not HAS_S3, reason="the s3 extra (django-storages, boto3) is not installed")
def test_s3_needs_a_bucket():
    result = _settings("", STORAGE_BACKEND="s3")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME is required when STORAGE_BACKEND=s3" in result.stderr


@pytest.mark.skipif(not HAS_S3, reason="the s3 extra (django-storages, boto3) is not installed")
def test_s3_is_configured_from_the_environment_without_keys_in_settings():
    env = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_S3_REGION_NAME": "eu-west-1",
        "AWS_LOCATION": "arena",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "very-secret",
    }
    result = _settings("print(json.dumps(s.STORAGES['default']))", prelude="import json; ", **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": "http://127.0.0.1:9000",
            "region_name": "eu-west-1",
            "location": "arena",
            "addressing_style": "path",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }
    assert "very-secret" not in result.stdout


@pytest.fixture
def s3_bucket(settings, monkeypatch):
    if not HAS_MOTO:
        pytest.skip("the s3 extra and moto are not installed")
    import boto3
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": BUCKET, "location": "arena", "file_overwrite": True},
            },
        }
        yield boto3.client("s3")


def test_outputs_go_to_the_bucket_and_reach_voters_only_through_the_view(
    s3_bucket, settings, client, voter, prompt, generators, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
    client.force_login(voter)
    html = client.get(reverse("arena:vote"), follow=True).content.decode()
    battle = Battle.objects.get(voter=voter)
    addresses = re.findall(r'<img src="([^"]+)"', html)
    assert len(addresses) == 2

    for address, generation in zip(
        addresses, battle.as_shown(battle.generation_a, battle.generation_b), strict=True
    ):
        key = f"arena/{generation.file.name}"
        stored = s3_bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert output_location(generation.file.name) == f"s3://{BUCKET}/{key}"
        assert BUCKET not in address and "amazonaws" not in address
        response = client.get(address)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        body = b"".join(response.streaming_content)  # its pixels, uncompressed (served)
        assert Image.open(io.BytesIO(body)).tobytes() == Image.open(io.BytesIO(stored)).tobytes()
        assert Image.open(io.BytesIO(body)).size == settings.ARENA_OUTPUT_SIZE
        assert "Content-Disposition" not in response and "Location" not in response
        # The content-hash view is the admin's, not a voter's.
        hashed = reverse("output-file", args=[generation.file.name.split("/")[1]])
        assert client.get(hashed).status_code == 302
