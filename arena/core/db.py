"""Plain SQL for the hottest paths, planned once per connection on PostgreSQL.

Django's PostgreSQL cursors bind parameters on the client, so the server parses and plans
every statement anew; for the vote's six-table read, planning costs several times more than
running it. :func:`prepared_cursor` gives a cursor whose statements psycopg prepares on the
server (each distinct statement once per connection) and then only executes; it is made once
per connection, since setting one up costs about as much CPU as a round trip. Elsewhere
(SQLite) it is Django's own cursor. Errors arrive as Django's database exceptions either way.

All prepared cursors of a connection share one psycopg cursor: read a statement's results
before running the next one. Statements run this way do not appear in Django's query log
(``connection.queries``).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections

# One server-bound cursor per open psycopg connection (gone with it).
_server_bound = weakref.WeakKeyDictionary()


class PreparedCursor:
    """A cursor for ``%s``-style SQL; use as a context manager, like Django's."""

    def __init__(self):
        wrapper = connections[DEFAULT_DB_ALIAS]
        # Django's connection and its operations, looked up once per cursor.
        self.wrapper = wrapper
        self.ops = wrapper.ops
        self._prepare = wrapper.vendor == "postgresql"
        if not self._prepare:
            self._cursor = wrapper.cursor()
            return
        # What Django's cursor() does before it hands out a cursor.
        wrapper.close_if_health_check_failed()
        wrapper.ensure_connection()
        wrapper.validate_thread_sharing()
        wrapper.validate_no_broken_transaction()
        cursor = _server_bound.get(wrapper.connection)
        if cursor is None or cursor.closed:
            cursor = _server_bound[wrapper.connection] = _new_server_bound(wrapper.connection)
        self._cursor = cursor

    def __enter__(self) -> PreparedCursor:
        return self

    def __exit__(self, *exc_info) -> None:
        if not self._prepare:
            self._cursor.close()

    def execute(self, sql: str, params: Sequence = ()) -> None:
        with self.wrapper.wrap_database_errors:
            if self._prepare:
                self._cursor.execute(sql, params, prepare=True)
            else:
                self._cursor.execute(sql, params)

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


def _new_server_bound(connection):
    import psycopg
    from psycopg.types.numeric import Int8Dumper

    cursor = psycopg.Cursor(connection)
    # Every int as bigint: psycopg would otherwise type a parameter by its size, and a
    # statement is prepared once per combination of parameter types.
    cursor.adapters.register_dumper(int, Int8Dumper)
    return cursor


def prepared_cursor() -> PreparedCursor:
    """A cursor whose statements PostgreSQL plans once per connection."""
    return PreparedCursor()


@functools.lru_cache(maxsize=256)
def orm_converter(wrapper, field) -> Callable[[object], object]:
    """What the ORM would make of a raw column value of ``field`` read on this connection.

    PostgreSQL answers most types ready to use; SQLite answers 0/1 for booleans, naive or
    text datetimes and floats for decimals, which the backend's converters turn into the
    values querysets give.
    """
    column = field.get_col(field.model._meta.db_table)
    converters = wrapper.ops.get_db_converters(column) + field.get_db_converters(wrapper)

    def convert(value):
        for converter in converters:
            value = converter(value, column, wrapper)
        return value

    return convert
