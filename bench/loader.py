"""Loading the dataset through each backend's own bulk path.

PostgreSQL takes rows through COPY, MySQL/MariaDB through executemany (which mysqlclient turns
into large multi-row INSERTs), SQLite through executemany in one transaction. Values that a
driver cannot take as they are (aware datetimes for MySQL and SQLite, say) go through the
field's own `get_db_prep_value`, exactly as the ORM would send them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bench.dataset import Dataset, Row, models_in_load_order, progress

ROWS_PER_STATEMENT = 5_000  # executemany batch: large statements, bounded memory
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


def bulk_insert(cursor: Any, table: str, columns: list[str], rows: Iterable[Row]) -> None:
    """The backend's bulk path for rows already in the driver's types."""
    from django.db import connection

    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    for batch in _batches(rows, ROWS_PER_STATEMENT):
        cursor.executemany(sql, batch)


def converted(rows: list[Row], fields: list[Any]) -> Iterable[Row]:
    from django.db import connection

    if connection.vendor == "postgresql":
        return rows  # psycopg adapts dates, aware datetimes, decimals and booleans itself
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


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
