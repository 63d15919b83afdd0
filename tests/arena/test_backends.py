from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from arena.core.backends import ArenaModelBackend


def test_the_backend_loads_the_same_user_as_djangos(voter):
    voter.last_login = voter.date_joined
    voter.save()
    ours, django = ArenaModelBackend().get_user(voter.pk), ModelBackend().get_user(voter.pk)
    fields = [f.attname for f in voter._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(django, f) for f in fields]
    assert ours.last_login.tzinfo is not None and ours.is_active is True
    assert not ours._state.adding


def test_the_backend_finds_no_user_for_an_inactive_missing_or_malformed_id(voter):
    backend = ArenaModelBackend()
    assert backend.get_user(voter.pk + 1000) is None
    assert backend.get_user("not-a-number") is None
    voter.is_active = False
    voter.save()
    assert backend.get_user(voter.pk) is None


def test_a_signed_in_voter_is_recognised_through_the_backend(client, voter):
    client.force_login(voter, backend="arena.core.backends.ArenaModelBackend")
    response = client.get("/vote/")
    assert response.wsgi_request.user == voter
    assert client.session["_auth_user_backend"] == "arena.core.backends.ArenaModelBackend"
