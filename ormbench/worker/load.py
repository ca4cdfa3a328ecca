"""A "load" task (`ormbench perf`): how fast the dataset loads through our loader, against the
bare bulk path of the same rows."""

from __future__ import annotations

import time

from ormbench.dataset import cache, scales
from ormbench.dataset import tables as dataset
from ormbench.protocol import WorkerSpec


def load_child(spec: WorkerSpec) -> dict[str, float]:
    """Time our loader, empty the tables, time the bare bulk path."""
    from ormbench.settings import configure

    configure(spec.django)
    from django.core.management import call_command
    from django.db import connection, transaction

    from ormbench.dataset import loader

    call_command("migrate", verbosity=0)
    data, _ = cache.generate_cached(scales.scale(spec.scale))
    ours = data.row_count / loader.load(data)
    model_for = dataset.models_in_load_order()
    prepared = []
    for table, (columns, rows) in data.tables.items():
        fields = [model_for[table]._meta.get_field(c) for c in columns]
        prepared.append(
            (
                model_for[table]._meta.db_table,
                [f.column for f in fields],
                list(loader.converted(rows, fields)),
            )
        )
    with connection.cursor() as cursor:
        for table_name, _, _ in reversed(prepared):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table_name)}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table_name, names, ready in prepared:
            loader.bulk_insert(cursor, table_name, names, ready)
    raw = data.row_count / (time.perf_counter() - started)
    return {"rows": data.row_count, "ours": ours, "raw": raw, "peak_rss": scales.peak_rss()}
