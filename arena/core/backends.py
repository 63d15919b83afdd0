"""The login backend: Django's ModelBackend, with the per-request user lookup made cheap.

Every signed-in request loads its user. ModelBackend builds that query with the ORM each
time; here it is one plain statement (prepared on PostgreSQL, see :mod:`arena.core.db`) whose
values go through the same database converters the ORM applies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from arena.core.db import orm_converter, prepared_cursor


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
        values = [convert(value) for convert, value in zip(converters, row, strict=True)]
        user = model.from_db(cursor.wrapper.alias, fields, values)
        return user if self.user_can_authenticate(user) else None


@functools.lru_cache(maxsize=64)
def _user_query(wrapper, model) -> tuple[str, list[str], list[Callable]]:
    """The user's SELECT, its field names, and the ORM's converter of each column."""
    quote = wrapper.ops.quote_name
    fields = model._meta.concrete_fields
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    converters = [orm_converter(wrapper, field) for field in fields]
    return sql, [f.attname for f in fields], converters
