"""The login backend: Django's ModelBackend, with the per-request user lookup made cheap.

Every signed-in request loads its user. ModelBackend builds that query with the ORM each
time; here it is one plain statement (prepared on PostgreSQL, see :mod:`arena.db`) whose
values go through the same database converters the ORM applies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from arena.db import prepared_cursor


class ArenaModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed id in a session is just no user
            return None
        with prepared_cursor() as cursor:
            sql, fields, converters = _user_query(cursor.wrapper, model)
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, convert in converters:
            values[index] = convert(values[index])
        user = model.from_db(cursor.wrapper.alias, fields, values)
        return user if self.user_can_authenticate(user) else None


@functools.lru_cache(maxsize=64)
def _user_query(wrapper, model) -> tuple[str, list[str], list[tuple[int, Callable]]]:
    """The user's SELECT, its field names, and the converters the ORM would apply per column."""
    quote = wrapper.ops.quote_name
    fields = model._meta.concrete_fields
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = wrapper.ops.get_db_converters(column) + field.get_db_converters(wrapper)
        if found:
            converters.append((index, _chain(found, column, wrapper)))
    return sql, [f.attname for f in fields], converters


def _chain(converters: list, column, wrapper) -> Callable:
    def convert(value):
        for converter in converters:
            value = converter(value, column, wrapper)
        return value

    return convert
