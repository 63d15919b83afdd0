"""The login backend's user lookup: the user Django's ModelBackend would load, or none."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.utils import timezone

from arena.core.auth import ModelBackend


def test_the_user_loaded_equals_the_one_django_loads(voter):
    voter.last_login = timezone.now()
    voter.is_staff = True
    voter.save()
    loaded, expected = ModelBackend().get_user(voter.pk), DjangoModelBackend().get_user(voter.pk)
    fields = [field.attname for field in get_user_model()._meta.concrete_fields]
    assert [getattr(loaded, name) for name in fields] == [
        getattr(expected, name) for name in fields
    ]
    assert loaded.is_staff is True and loaded.last_login == voter.last_login
    assert not loaded._state.adding and loaded._state.db == "default"


def test_an_unknown_or_inactive_user_is_no_user(voter):
    assert ModelBackend().get_user(voter.pk + 1000) is None
    voter.is_active = False
    voter.save()
    assert ModelBackend().get_user(voter.pk) is None


def test_a_signed_in_request_carries_its_user(client, voter):
    client.post("/accounts/login/", {"username": "voter", "password": "voter-pass-123"})
    assert client.session["_auth_user_backend"] == "arena.core.auth.ModelBackend"
    assert client.get("/vote/").wsgi_request.user == voter
