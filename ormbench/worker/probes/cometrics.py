"""Exact co-metrics of a variant: what timing noise cannot touch, recorded by its check call.

- `sql_shapes`: each distinct statement with its literals replaced (a fingerprint, as
  django-perf-rec keeps in tests), and how often it ran.
- `plans`: the database's plan of each shape's first statement, reduced to its access paths
  (node types, tables, indexes, the extras that name a sort or a temporary table; never costs or
  row estimates, which drift with statistics).
- `rows`: rows returned or written, as the driver reports them (SQLite's driver does not).
- `server_work`: what the server did for the call, where one session can tell exactly: the
  session's Handler_read_* and Rows_read counters on MariaDB/MySQL, virtual-machine steps on
  SQLite (a progress handler called at every step where the VM checks for one). PostgreSQL
  counts its work per table and flushes the counts lazily, not per session: there the plans
  carry a changed access path.

Between two runs on the same data, any change of these is exact, so `ormbench.analysis.compare`
reports it as such ("plan changed", "queries 3 -> 5") whatever the timing says.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ormbench.servers.backend import Dialect

_STRING = re.compile(r"'(?:[^'\\]|\\.|'')*'")
_NUMBER = re.compile(r"(?<![\w.\"`])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", re.I)
_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)")
_ROWS = re.compile(r"\(\?\+\)(?:\s*,\s*\(\?\+\))*")
# Names that change from process to process: savepoints and server-side cursors carry a thread id.
_VOLATILE = re.compile(r"\b(s\d+_x\d+|_django_curs_\d+_\w+?_\d+)\b")
EXPLAINABLE = re.compile(r"^\s*\(*\s*(select|with|update|delete)\b", re.I)  # "(SELECT": a union


def shape(sql: str) -> str:
    """`sql` with its literals replaced: the same statement whatever values it carries."""
    text = _VOLATILE.sub("?name", sql)
    text = _NUMBER.sub("?", _STRING.sub("?", text))
    text = _ROWS.sub("(?+)+", _LIST.sub("(?+)", text))
    return " ".join(text.split())


@dataclass
class Recorder:
    """Execute wrapper and session counters around one checked call."""

    dialect: Dialect
    rows: int | None = None
    server_work: dict[str, int] = field(default_factory=dict)
    _steps: int = 0

    def wrapper(self, execute: Callable[..., Any], *args: Any) -> Any:
        result = execute(*args)
        count = getattr(args[-1]["cursor"], "rowcount", -1)
        if self.dialect.counts_rows and count is not None and count >= 0:
            self.rows = (self.rows or 0) + count
        return result

    @contextlib.contextmanager
    def measuring(self) -> Iterator[None]:
        """Count the server's work for what runs inside (on this connection)."""
        from django.db import connection

        connection.ensure_connection()
        session = connection.connection
        before = self.dialect.session_counters(connection)
        stepping = self.dialect.count_steps(session, self._step)
        try:
            with connection.execute_wrapper(self.wrapper):
                yield
        finally:
            # A call that reconnected (a request loop with CONN_MAX_AGE=0) ran on several
            # sessions: their counters cannot be added up, so no server work is recorded.
            if connection.connection is not session:
                pass
            elif stepping:
                self.dialect.count_steps(session, None)
                self.server_work = {"vm_steps": self._steps}
            elif before:
                after = self.dialect.session_counters(connection)
                self.server_work = {k: after[k] - before[k] for k in before}

    def _step(self) -> int:
        self._steps += 1
        return 0


def shapes_of(statements: Sequence[str]) -> list[tuple[str, int]]:
    """Distinct shapes with how often each ran, in order of first appearance."""
    return list(Counter(shape(s) for s in statements).items())


def plans_of(dialect: Dialect, statements: Sequence[str]) -> dict[str, str]:
    """Shape -> the plan of its first statement (reads, updates, deletes only). Run after the
    call, outside its counters, on the restored data; a statement the database will not
    explain is recorded as such, never raised."""
    from django.db import connection

    plans: dict[str, str] = {}
    for sql in statements:
        key = shape(sql)
        if key in plans or not EXPLAINABLE.match(sql):
            continue
        try:
            with connection.cursor() as cursor:
                plans[key] = dialect.reduced_plan(cursor, sql)
        except Exception as exc:  # noqa: BLE001 - a plan is a co-metric, never a failure
            plans[key] = f"(not explained: {type(exc).__name__})"
    return plans
