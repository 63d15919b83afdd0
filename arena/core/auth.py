"""Django's ModelBackend, with the user lookup of every signed-in request compiled once.

Building that query with the ORM on every request cost the web process about as much CPU as
the rest of a rejected vote's request (``tests/benchmarks/bench_votes.py --floor``). Here it is
compiled once per database and each row becomes a user through the ORM's converters.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import backends, get_user_model
from django.db import connections, router


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        connection = connections[router.db_for_read(model)]
        sql, names, converters = _user_query(connection.alias, model)
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, field, field_converters in converters:
            for convert in field_converters:
                values[index] = convert(values[index], field, connection)
        user = model.from_db(connection.alias, names, values)
        return user if self.user_can_authenticate(user) else None


@cache
def _user_query(alias: str, model) -> tuple[str, list[str], list[tuple]]:
    """The user's SELECT by primary key, its fields' names, and the columns that need converting."""
    connection = connections[alias]
    fields = model._meta.concrete_fields
    query = model._default_manager.filter(pk=0).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    if tuple(params) != (0,):
        raise AssertionError(f"unexpected parameters {params!r}")
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return sql, [field.attname for field in fields], converters
