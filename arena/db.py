"""Plain SQL for the hottest paths, planned once per connection on PostgreSQL.

Django's PostgreSQL cursors bind parameters on the client, so the server parses and plans
every statement anew; for the vote's six-table read, planning costs several times more than
running it. :func:`prepared_cursor` gives a cursor whose statements psycopg prepares on the
server (each distinct statement once per connection) and then only executes. Elsewhere
(SQLite) it is Django's own cursor. Errors arrive as Django's database exceptions either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection


class _PreparedCursor:
    def __init__(self, cursor, *, prepare: bool):
        self._cursor = cursor
        self._prepare = prepare

    def execute(self, sql: str, params: Sequence = ()) -> None:
        with connection.wrap_database_errors:
            if self._prepare:
                self._cursor.execute(sql, params, prepare=True)
            else:
                self._cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence]) -> None:
        with connection.wrap_database_errors:
            self._cursor.executemany(sql, rows)

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


@contextmanager
def prepared_cursor() -> Iterator[_PreparedCursor]:
    """A cursor for ``%s``-style SQL whose statements PostgreSQL plans once per connection."""
    # Django's cursor first: it opens, checks and (in a test) instruments the connection.
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            yield _PreparedCursor(cursor, prepare=False)
            return
        import psycopg
        from psycopg.types.numeric import Int8Dumper

        with psycopg.Cursor(cursor.cursor.connection) as server_bound:
            # Every int as bigint: psycopg would otherwise type a parameter by its size, and
            # a statement is prepared once per combination of parameter types.
            server_bound.adapters.register_dumper(int, Int8Dumper)
            yield _PreparedCursor(server_bound, prepare=True)
