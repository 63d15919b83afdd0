"""Hand-written statements for the one hot path where the ORM's own cost shows: the vote.

A vote is a handful of statements; built by the ORM, each costs the web process more CPU than
the database spends running it (see ``tests/benchmarks/bench_votes.py``). The vote path
writes those few statements out instead, the same text on SQLite and PostgreSQL, and reads
their rows back through the model fields' own converters, so a value comes out exactly as the
ORM would give it (an aware datetime, a quantised decimal, a bool) on either database.

Tables are named through the models' ``_meta``; columns keep the names Django gives them,
and the vote tests run these statements on both databases, so a renamed column fails there.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def for_update() -> str:
    """`` FOR UPDATE`` where the database locks rows (PostgreSQL); SQLite's transactions take
    the database's one write lock when they begin, which serialises writers already."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def db_value(model: type[Model], name: str, value):
    """``value`` as the database takes it for the field (a UUID as hex on SQLite, say)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def db_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


@cache
def _converters(vendor: str, field: Field) -> tuple:
    col = field.get_col(field.model._meta.db_table)
    found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    return tuple((converter, col) for converter in found)


def converted(row: Sequence, fields: Sequence[Field | None]) -> list:
    """A raw row with each value passed through its field's converters (None: left as read)."""
    out = []
    for value, field in zip(row, fields, strict=True):
        if field is not None:
            for converter, col in _converters(connection.vendor, field):
                value = converter(value, col, connection)
        out.append(value)
    return out


def insert(instance: Model) -> None:
    """INSERT a new model instance in one statement and set its primary key.

    Field defaults and ``pre_save`` (``auto_now_add``) apply as in ``save()``; no signals are
    sent, so use it only where nothing listens for the model's saves.
    """
    model = type(instance)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(model)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
            f"RETURNING {connection.ops.quote_name(pk.column)}",
            values,
        )
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
