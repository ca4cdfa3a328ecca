"""What proves that a scenario left the database as it found it: the digest of every row of every
dataset table, and a fingerprint of the schema (indexes and constraints of every table), since a
scenario that changes the schema (an index a migration adds) must undo that too.

A table's digest is its row count and the sum of a 64-bit hash of each row, every column in it,
computed by the server (`Effects.digest`, the same digest the effect checks compare variants
by). After each scenario it is held to the digest taken before the first: at scale s that took
0.58 s on SQLite where reading every row back into Python for a SHA-256 took 2.2 s, once per
scenario. The SHA-256 (`checksum`) is the dataset's identity across databases, taken once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from ormbench.dataset.tables import models_in_load_order
from ormbench.errors import ScenarioMismatch
from ormbench.worker.probes.effect import Digest, Effects


def digests(effects: Effects) -> dict[str, Digest]:
    """Every dataset table's digest, as the server computes it."""
    tables = [model._meta.db_table for model in models_in_load_order().values()]
    return {table: effects.digest(table) for table in tables}


def verify(
    family: str, database: str, effects: Effects, baseline: dict[str, Digest], schema: str
) -> None:
    """ScenarioMismatch unless the rows and the schema are as the baselines say."""
    changed = [table for table, digest in digests(effects).items() if baseline[table] != digest]
    if changed:
        problem = f"left the database changed ({', '.join(changed)}): its writes were not undone"
    elif schema_fingerprint() != schema:
        problem = "left the schema changed (an index or a constraint): its DDL was not undone"
    else:
        return
    raise ScenarioMismatch(family, "(after all rounds)", database, problem)


def checksum() -> str:
    """SHA-256 over every row of every table, read back from the database in pk order.

    Values are written in one canonical form (decimals as text, datetimes in UTC ISO form) so
    the same data gives the same checksum on every backend.
    """
    digest = hashlib.sha256()
    for table, model in models_in_load_order().items():
        fields = [f.attname for f in model._meta.concrete_fields]
        digest.update(f"#{table}:{','.join(fields)}\n".encode())
        for row in model.objects.order_by("pk").values_list(*fields).iterator(chunk_size=5_000):
            digest.update("\x1f".join(_canonical(v) for v in row).encode())
            digest.update(b"\n")
    return digest.hexdigest()


def row_counts() -> dict[str, int]:
    return {table: model.objects.count() for table, model in models_in_load_order().items()}


def _canonical(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, bool):
        return str(int(value))
    return "" if value is None else str(value)


def schema_fingerprint() -> str:
    """SHA-256 over every dataset table's constraints and indexes: names, columns, kinds (or
    the table's stored definition, where the backend reads it in one go)."""
    from django.db import connection

    from ormbench.servers import registry

    dialect = registry.by_vendor(connection.vendor).dialect
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in models_in_load_order().values():
            table = model._meta.db_table
            stored = dialect.schema_text(cursor, table)
            if stored is not None:
                digest.update(f"{table}|{stored}\n".encode())
                continue
            constraints = connection.introspection.get_constraints(cursor, table)
            for name in sorted(constraints):
                found = constraints[name]
                kinds = [k for k in ("primary_key", "unique", "index", "check") if found.get(k)]
                shape = f"{table}|{name}|{','.join(found['columns'] or [])}|{','.join(kinds)}"
                digest.update(f"{shape}|{found.get('foreign_key')}\n".encode())
    return digest.hexdigest()
