"""The full plan of a variant's heaviest statement shape, for a reader of the report.

`ormbench.worker.probes.cometrics.plans_of` keeps every shape's access paths, reduced so that they
compare exactly between runs. This keeps the database's own full plan of the one shape that cost the
most, with EXPLAIN ANALYZE where the database has it and the scenario only reads (ANALYZE runs the
statement again; a write would change the data): PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)`,
MariaDB's `ANALYZE`, MySQL's `EXPLAIN ANALYZE`. "Heaviest" is the shape whose analyzed time times
the number of times it was sent is largest; without ANALYZE (SQLite, writes) it is the shape sent
most often. Timings in it drift from run to run: it is shown, never compared.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from ormbench.servers.backend import Dialect
from ormbench.worker.probes.cometrics import EXPLAINABLE, shape


def plan(dialect: Dialect, statements: Sequence[str], analyze: bool) -> str | None:
    """ "<times sent>x <shape>", then the plan; None when no statement can be explained."""
    sent = Counter(shape(s) for s in statements)
    first: dict[str, str] = {}
    for sql in statements:
        if EXPLAINABLE.match(sql):
            first.setdefault(shape(sql), sql)
    if not first:
        return None
    analyzing = analyze and dialect.analyzes
    if analyzing:
        analyzed = {key: _safe(dialect, sql, True) for key, sql in first.items()}
        key = max(analyzed, key=lambda k: analyzed[k][0] * sent[k])
        text = analyzed[key][1]
    else:
        key = max(first, key=lambda k: sent[k])  # the first of those sent most often
        text = _safe(dialect, first[key], False)[1]
    how = "EXPLAIN ANALYZE" if analyzing else "EXPLAIN"
    return f"{sent[key]}x {key}\n{how}:\n{text}"


def _safe(dialect: Dialect, sql: str, analyze: bool) -> tuple[float, str]:
    """(seconds the explaining statement took, its text); a statement the database will not
    explain is recorded as such, never raised."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            text = dialect.explain(cursor, sql, analyze)
            return time.perf_counter() - started, text
    except Exception as exc:  # noqa: BLE001 - a plan is shown, never a failure
        return 0.0, f"(not explained: {type(exc).__name__})"
