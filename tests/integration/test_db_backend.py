"""arena.core.postgresql: a connection that has just served a request is not checked again."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connection, connections

from arena.core.postgresql import base
from tests.integration.conftest import _unavailable


@pytest.fixture
def health_checks(transactional_db, monkeypatch):
    """The default connection, and a list that grows by one at each health check."""
    if connection.vendor != "postgresql":
        _unavailable("DATABASE_URL must point at PostgreSQL for the database backend")
    wrapper = connections["default"]
    assert isinstance(wrapper, base.DatabaseWrapper)
    assert wrapper.health_check_enabled
    asked = []
    is_usable = type(wrapper).is_usable
    monkeypatch.setattr(
        type(wrapper), "is_usable", lambda self: asked.append(True) or is_usable(self)
    )
    return wrapper, asked


def _request(sql: str = "SELECT 1") -> None:
    """What a request that queries once does to the connection, as Django's handler runs it."""
    request_started.send(sender=None)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        request_finished.send(sender=None)


def test_back_to_back_requests_skip_the_health_check(health_checks):
    wrapper, asked = health_checks
    _request()
    asked.clear()
    for _ in range(3):
        _request()
    assert asked == []
    assert wrapper.connection is not None


def test_a_connection_idle_past_the_limit_is_checked_first(health_checks, monkeypatch):
    _, asked = health_checks
    _request()
    asked.clear()
    monkeypatch.setattr(base, "HEALTH_CHECK_AFTER_IDLE", 0.0)
    _request()
    _request()
    assert asked == [True, True]


def test_after_a_database_error_the_next_request_is_checked(health_checks):
    wrapper, asked = health_checks
    _request()
    asked.clear()
    with pytest.raises(DatabaseError):
        _request("SELECT * FROM no_such_table_here")
    # Django checks the connection as the failed request ends, and keeps it since it works.
    assert asked == [True]
    assert wrapper.connection is not None
    asked.clear()
    _request()
    _request()
    assert asked == []
