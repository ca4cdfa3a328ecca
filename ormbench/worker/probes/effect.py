"""The whole effect of a writing variant on the database, digested where the data lives.

A scenario's `state` reads back the rows its author expected to change, so a variant that also
changes one row more, or the whole table, passes it. Here every table that any statement of the
variant wrote to (on any connection, threads included) is digested by the database itself: a row
count and a sum of per-row hashes, in one aggregate query per table. Two variants have the same
effect when every such table has the same digest after each of them. Only when digests differ is
the difference narrowed down, by pk buckets and then rows, to name the first differing row.

A table that no statement wrote to is unchanged, so its digest is the baseline's, computed once
per worker while the database holds the pristine dataset. The schema has no triggers; a foreign
key with a database-level ON DELETE rule (CASCADE, SET NULL, SET DEFAULT) lets a DELETE of the
parent write the child table too, so the tables a call wrote include those it reaches that way.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ormbench.servers import registry
from ormbench.worker.probes.profile import EFFECTS, PROFILE

SNAPSHOT_PREFIX = "ormbench_snapshot_"  # the restore's copies (state.restore): not the dataset's
BUCKET_ROWS = 1024  # rows per bucket when narrowing a differing table down to its first row
_NOT_A_WRITE = re.compile(
    r"^\s*(select|savepoint|release|rollback|begin|commit|set|show|explain|pragma|start)\b", re.I
)

Digest = tuple[int, int]
"""(rows, sum of row hashes) of one table."""


@dataclass
class SqlLog:
    """Every statement run on any connection while it is open: threads open their own."""

    statements: list[str] = field(default_factory=list)

    def wrapper(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return execute(sql, *args)

    def written(self, tables: Iterable[str]) -> frozenset[str]:
        """Tables named by any statement that may write (over-approximated, never under)."""
        writes = [s for s in self.statements if not _NOT_A_WRITE.match(s)]
        return frozenset(
            t for t in tables if any(re.search(rf"\b{re.escape(t)}\b", s) for s in writes)
        )


@contextlib.contextmanager
def logging_sql() -> Iterator[SqlLog]:
    from django.db import connection
    from django.db.backends.signals import connection_created

    log = SqlLog()

    def attach(sender: Any, connection: Any, **kwargs: Any) -> None:
        connection.execute_wrappers.append(log.wrapper)

    connection_created.connect(attach, weak=False)
    try:
        with connection.execute_wrapper(log.wrapper):
            yield log
    finally:
        connection_created.disconnect(attach)


@dataclass
class CallEffect:
    """What a writing call wrote: its SQL, then the bucket digests of the tables it named."""

    effects: Effects
    log: SqlLog
    buckets: dict[str, dict[int, Digest]] = field(default_factory=dict)
    dirty: dict[str, list[int]] = field(default_factory=dict)

    def effect(self) -> dict[str, Digest]:
        """Digest of every table the call wrote (read once, before the restore)."""
        for table in self.effects.reached(self.log.written(self.effects.tables)):
            if table not in self.buckets:
                self.buckets[table] = self.effects.buckets(table)
        return {t: total(b) for t, b in self.buckets.items()}


@dataclass(frozen=True)
class RowDifference:
    table: str
    where: str

    def __str__(self) -> str:
        return f"table {self.table}: {self.where}"


class Effects:
    """Digests of this database's tables, as the current transaction sees them.

    Create it while the database holds the pristine dataset: it notes each table's highest key
    then. A row above that key was inserted by a variant, and its key is left out of its hash:
    a key is whatever the sequence gave, and an upsert that meets a conflict consumes a value on
    PostgreSQL and SQLite where a loop of get_or_create() does not.
    """

    def __init__(self) -> None:
        from django.db import connection

        self.vendor = connection.vendor
        self.dialect = registry.by_vendor(self.vendor).dialect
        with connection.cursor() as cursor:
            self.tables = sorted(
                t
                for t in connection.introspection.table_names(cursor)
                if not t.startswith(SNAPSHOT_PREFIX)
            )
            self._columns = {
                t: [c.name for c in connection.introspection.get_table_description(cursor, t)]
                for t in self.tables
            }
            self._pk = {
                t: connection.introspection.get_primary_key_column(cursor, t) for t in self.tables
            }
        self._on_delete = self._on_delete_children()
        self._top = {
            t: self._all(f"SELECT MAX({self._q(pk)}) FROM {self._q(t)}")[0][0]
            for t, pk in self._pk.items()
            if pk is not None
        }
        self._baseline: dict[str, dict[int, Digest]] = {}

    def reached(self, written: Iterable[str]) -> frozenset[str]:
        """The written tables and every table a database-level ON DELETE rule reaches from them."""
        found, todo = set(written), list(written)
        while todo:
            for child in self._on_delete.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found)

    def _on_delete_children(self) -> dict[str, set[str]]:
        """Parent table -> child tables whose foreign key to it has a database ON DELETE rule."""
        pairs = self.dialect.on_delete_pairs(self._all, self.tables, self._q)
        children: dict[str, set[str]] = {}
        for parent, child in pairs:
            children.setdefault(parent.strip('"'), set()).add(child.strip('"'))
        return children

    def row_counts(self, tables: Iterable[str]) -> dict[str, int]:
        return {t: int(self._all(f"SELECT COUNT(*) FROM {self._q(t)}")[0][0]) for t in tables}

    def primary_key(self, table: str) -> str | None:
        return self._pk[table]

    def note_baseline(self) -> None:
        """Digest every table per bucket now, while the database holds the pristine dataset."""
        for table in self.tables:
            if table not in self._baseline:
                self._baseline[table] = self.buckets(table)

    def baseline(self, table: str) -> Digest:
        """The table's digest with the dataset untouched."""
        return total(self._baseline_buckets(table))

    def dirty_buckets(self, table: str, now: dict[int, Digest]) -> list[int]:
        """Buckets whose digest moved from the baseline's (-1: rows above the highest key)."""
        before = self._baseline_buckets(table)
        return sorted(b for b in set(before) | set(now) if before.get(b) != now.get(b))

    def columns(self, table: str) -> list[str]:
        return self._columns[table]

    def top(self, table: str) -> Any:
        """The highest key of the pristine dataset (None: the table was empty)."""
        return self._top.get(table)

    def _baseline_buckets(self, table: str) -> dict[int, Digest]:
        if table not in self._baseline:
            raise RuntimeError(f"no baseline of {table}: call note_baseline() before any write")
        return self._baseline[table]

    def digest(self, table: str) -> Digest:
        """The whole table's digest in one aggregate: `total(self.buckets(table))`."""
        ((count, hashed),) = self._all(f"SELECT COUNT(*), {self._sum(table)} FROM {self._q(table)}")
        return int(count), int(hashed)

    def buckets(self, table: str) -> dict[int, Digest]:
        """Digests per range of BUCKET_ROWS keys; inserted rows share bucket -1."""
        bucket = self._bucket(table)
        # a constant bucket (a keyless or an empty table) is one aggregate: "GROUP BY -1" would
        # name a column by its position
        grouped = "" if bucket.lstrip("-").isdigit() else f" GROUP BY {bucket}"
        sql = f"SELECT {bucket}, COUNT(*), {self._sum(table)} FROM {self._q(table)}{grouped}"
        return {int(b): (int(c), int(h)) for b, c, h in self._all(sql) if c}

    def rows(self, table: str, bucket: int) -> dict[Any, dict[str, Any]]:
        """The rows of one bucket by key; an inserted row (or a row of a keyless table) is
        known by its values."""
        columns, pk = self._columns[table], self._pk[table]
        sql = f"SELECT * FROM {self._q(table)} WHERE {self._bucket(table)} = {int(bucket)}"
        found = [dict(zip(columns, row, strict=True)) for row in self._all(sql)]
        if pk is None or bucket < 0:
            return {
                tuple((c, v) for c, v in row.items() if c != pk): _without(row, pk) for row in found
            }
        return {row[pk]: row for row in found}

    def reset_sequences(self, tables: Iterable[str]) -> None:
        """Put auto-increment counters back to the table's highest key.

        PostgreSQL sequences and InnoDB counters do not roll back with the transaction: without
        this, rows inserted by later variants and rounds get ever higher keys.
        """
        from django.db import connection

        with PROFILE.phase(EFFECTS), connection.cursor() as cursor:
            for table in tables:
                pk = self._pk[table]
                if pk is None:
                    continue
                cursor.execute(*self.dialect.key_counter_reset(table, pk, self._q))

    def _hashed_columns(self, table: str) -> list[str]:
        """Every column; the key only of rows that were there before (see the class)."""
        pk, top = self._pk[table], self._top.get(table)
        cols = []
        for column in self._columns[table]:
            quoted = self._q(column)
            if column == pk and top is not None:
                quoted = f"CASE WHEN {quoted} <= {self._literal(top)} THEN {quoted} END"
            cols.append(quoted)
        return cols

    def _sum(self, table: str) -> str:
        """SQL for the sum of per-row hashes: order-free, so no sort is needed."""
        from django.db import connection

        self.dialect.prepare_digest(connection)
        return self.dialect.row_hash_sum(self._hashed_columns(table))

    def _bucket(self, table: str) -> str:
        pk, top = self._pk[table], self._top.get(table)
        if pk is None:
            return "0"
        bucket = f"({self._q(pk)} {self.dialect.integer_division} {BUCKET_ROWS})"
        if top is None:
            return "-1"  # the table was empty: every row in it was inserted
        return f"(CASE WHEN {self._q(pk)} <= {self._literal(top)} THEN {bucket} ELSE -1 END)"

    @staticmethod
    def _literal(value: Any) -> str:
        return (
            str(int(value))
            if isinstance(value, int)
            else "'{}'".format(str(value).replace("'", "''"))
        )

    @staticmethod
    def _q(name: str) -> str:
        from django.db import connection

        return str(connection.ops.quote_name(name))

    def _all(self, sql: str) -> list[tuple[Any, ...]]:
        from django.db import connection

        with PROFILE.phase(EFFECTS), connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())


def key_ranges(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Inclusive key ranges of the given buckets (not -1, the inserted rows), adjacent ones
    merged."""
    ranges: list[tuple[int, int]] = []
    for bucket in sorted(b for b in buckets if b >= 0):
        low, high = bucket * BUCKET_ROWS, (bucket + 1) * BUCKET_ROWS - 1
        if ranges and ranges[-1][1] + 1 == low:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return ranges


def total(buckets: dict[int, Digest]) -> Digest:
    """The whole table's digest from its buckets' (sums of sums: the hash sum is order-free)."""
    return sum(c for c, _ in buckets.values()), sum(h for _, h in buckets.values())


def _without(row: dict[str, Any], column: str | None) -> dict[str, Any]:
    return {c: v for c, v in row.items() if c != column}


def differing_tables(
    reference: dict[str, Digest], variant: dict[str, Digest], baseline: Callable[[str], Digest]
) -> list[str]:
    """Tables whose digest differs; a table one side did not write is at its baseline."""

    def after(side: dict[str, Digest], table: str) -> Digest:
        return side[table] if table in side else baseline(table)

    return [
        t for t in sorted(set(reference) | set(variant)) if after(reference, t) != after(variant, t)
    ]


def _order(key: Any) -> tuple[str, Any]:
    return (type(key).__name__, repr(key) if isinstance(key, tuple) else key)


def first_row_difference(
    table: str,
    pk: str | None,
    reference: dict[Any, dict[str, Any]],
    variant: dict[Any, dict[str, Any]],
    names: tuple[str, str] = ("naive", "variant"),
) -> RowDifference | None:
    """The first row, in key order, that one side has and the other lacks or holds otherwise."""
    for key in sorted(set(reference) | set(variant), key=_order):
        want, got = reference.get(key), variant.get(key)
        label = f"{pk}={key!r}" if pk and not isinstance(key, tuple) else "inserted row"
        if want is None or got is None:
            side, row = (names[1], got) if want is None else (names[0], want)
            return RowDifference(table, f"{label} only after {side}: {row}")
        for column, value in want.items():
            if value != got[column] or type(value) is not type(got[column]):
                return RowDifference(
                    table,
                    f"{label} column {column}: {names[0]} {value!r}, {names[1]} {got[column]!r}",
                )
    return None
