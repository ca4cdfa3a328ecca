"""Loading the dataset through each backend's own bulk path (`Backend.bulk_insert`).

PostgreSQL takes rows through COPY, MySQL/MariaDB through executemany (which mysqlclient turns
into large multi-row INSERTs), SQLite through executemany in one transaction. Values that a
driver cannot take as they are (aware datetimes for MySQL and SQLite, say) go through the
field's own `get_db_prep_value`, exactly as the ORM would send them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import Any

from ormbench import project
from ormbench.dataset.scales import progress
from ormbench.dataset.tables import Dataset, Row, models_in_load_order
from ormbench.servers import registry

CONVERTED_TYPES = ("DateTimeField", "DateField", "DecimalField", "BooleanField")


def load(data: Dataset) -> float:
    """Insert every row with its primary key, move sequences past them; return the seconds."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    started = time.perf_counter()
    model_for = models_in_load_order()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in data.tables.items():
            model = model_for[table]
            fields = [model._meta.get_field(name) for name in columns]
            ready = progress(converted(rows, fields), f"load {table}", len(rows))
            bulk_insert(cursor, model._meta.db_table, [f.column for f in fields], ready)
        for sql in connection.ops.sequence_reset_sql(no_style(), list(model_for.values())):
            cursor.execute(sql)
    return time.perf_counter() - started


def load_project(scale: str, seed: int) -> float:
    """A user's project's data, by its own hook (`[tool.ormbench] dataset`), in one transaction;
    the generators it may use seeded first, so the same seed gives the same rows. Returns the
    seconds it took (none without a hook: the scenarios start from an empty database)."""
    import random

    from django.db import transaction

    if not project.current().dataset:
        return 0.0
    hook = project.current().data_hook()
    random.seed(seed)
    for seeding in (_seed_faker, _seed_factory_boy):
        seeding(seed)
    started = time.perf_counter()
    with transaction.atomic():
        hook(scale, seed)
    return time.perf_counter() - started


def _seed_faker(seed: int) -> None:
    try:
        from faker import Faker
    except ImportError:
        return
    Faker.seed(seed)


def _seed_factory_boy(seed: int) -> None:
    try:
        from factory import random as factory_random  # factory_boy
    except ImportError:
        return
    factory_random.reseed_random(seed)


def bulk_insert(cursor: Any, table: str, columns: list[str], rows: Iterable[Row]) -> None:
    """The backend's bulk path for rows already in the driver's types."""
    from django.db import connection

    backend = registry.by_vendor(connection.vendor)
    backend.bulk_insert(cursor, table, columns, rows, connection.ops.quote_name)


def converted(rows: list[Row], fields: list[Any]) -> Iterable[Row]:
    from django.db import connection

    if registry.by_vendor(connection.vendor).adapts_python_values():
        return rows
    converters: list[Callable[[Any], Any] | None] = [
        functools.partial(_prepared, f, connection)
        if f.get_internal_type() in CONVERTED_TYPES
        else None
        for f in fields
    ]
    if not any(converters):
        return rows
    return (tuple(c(v) if c else v for c, v in zip(converters, row, strict=True)) for row in rows)


def _prepared(field: Any, connection: Any, value: Any) -> Any:
    return field.get_db_prep_value(value, connection)
