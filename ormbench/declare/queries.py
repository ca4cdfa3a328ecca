"""Query counts that depend on the backend, for scenario declarations.

Bulk operations split their rows into batches capped by the backend's query-parameter limit
(SQLite: 999 parameters), so `bulk_create` of 1 000 rows is one INSERT on PostgreSQL and
several on SQLite. These helpers ask the connection the same question Django asks, at check
time, so the declared count is exact on every backend. They issue no query.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE


def _fields(model: Any, names: Sequence[str]) -> list[Any]:
    return [model._meta.pk if name == "pk" else model._meta.get_field(name) for name in names]


def insert_batches(model: Any, fields: Sequence[str], n: int, batch_size: int | None = None) -> int:
    """INSERT statements `bulk_create(objs, batch_size)` issues for n rows of these fields."""
    cap = connection.ops.bulk_batch_size(_fields(model, fields), [None] * n)
    return math.ceil(n / min(batch_size or cap, cap))


def bulk_create_queries(
    model: Any, fields: Sequence[str], n: int, batch_size: int | None = None
) -> int:
    """Statements `bulk_create` issues for n new rows outside a transaction: its INSERTs in its
    own BEGIN ... COMMIT, which Django 6.0 and later open only for more than one batch."""
    import django

    batches = insert_batches(model, fields, n, batch_size)
    return batches + (2 if batches > 1 or django.VERSION < (6, 0) else 0)


def update_batches(model: Any, fields: Sequence[str], n: int, batch_size: int | None = None) -> int:
    """UPDATE statements `bulk_update(objs, fields, batch_size)` issues for n rows."""
    cap = connection.ops.bulk_batch_size(_fields(model, ["pk", "pk", *fields]), [None] * n)
    return math.ceil(n / min(batch_size or cap, cap))


def delete_batches(model: Any, n: int) -> tuple[int, int]:
    """(batches for related rows, chunks for the rows themselves) in `QuerySet.delete()`."""
    related = math.ceil(n / connection.ops.bulk_batch_size(_fields(model, ["pk"]), [None] * n))
    return related, math.ceil(n / GET_ITERATOR_CHUNK_SIZE)
