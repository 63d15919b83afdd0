"""The login backend: Django's ModelBackend, with the per-request user lookup made cheap.

Every signed-in request loads its user. ModelBackend builds that query with the ORM each
time; here it is one plain statement (prepared on PostgreSQL, see :mod:`arena.db`) whose
values go through the same database converters the ORM applies.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from arena.db import prepared_cursor


class ArenaModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        fields = model._meta.concrete_fields
        try:
            user_id = model._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed id in a session is just no user
            return None
        with prepared_cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(connection.ops.quote_name(f.column) for f in fields)} "
                f"FROM {connection.ops.quote_name(model._meta.db_table)} "
                f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
                [user_id],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        values = [_from_db(field, value) for field, value in zip(fields, row, strict=True)]
        user = model.from_db(connection.alias, [f.attname for f in fields], values)
        return user if self.user_can_authenticate(user) else None


def _from_db(field, value):
    """What the ORM would make of a column's raw value (SQLite's 0/1 booleans, its dates)."""
    column = field.get_col(field.model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
        value = converter(value, column, connection)
    return value
