"""Putting committed writes back: production code commits, so a round cannot be rolled back.

Before the first writing case, every table is copied into a snapshot table beside it, while the
database holds the pristine dataset. After a call, only the key ranges whose bucket digests
moved (`Effects.dirty_buckets`) are repaired from the snapshot, in one transaction: rows above
the dataset's highest key are deleted (children first), changed rows are updated back and
deleted rows inserted back (parents first). Three statements per written table, whatever its
size (the profile's "restores" adds their time up). The restore commits durably, outside the
timing: a restore that skipped its fsync (synchronous_commit off) left its WAL for the next
timed commit to flush, which charged the restore to the next round of a fast bulk variant.
The dataset's digests after each scenario prove the restore complete. The snapshot tables live
in the run's own database, which is removed with it (a `--db-url` server gets a database of the
run's own too), so they are never dropped one by one: a dead server could not drop them anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ormbench.worker.probes.effect import SNAPSHOT_PREFIX, Effects, key_ranges
from ormbench.worker.probes.profile import PROFILE, RESTORES, SNAPSHOTS


class Snapshots:
    """A pristine copy of every table, and the repair of the ranges a call changed."""

    def __init__(self, effects: Effects, order: Sequence[str]) -> None:
        """`order`: table names, parents before children; tables not in it come last."""
        self.effects = effects
        rank = {table: i for i, table in enumerate(order)}
        self.tables = sorted(effects.tables, key=lambda t: (rank.get(t, len(rank)), t))
        with PROFILE.phase(SNAPSHOTS):
            for table in self.tables:
                snapshot = self._q(SNAPSHOT_PREFIX + table)
                self._execute(f"DROP TABLE IF EXISTS {snapshot}")
                self._execute(f"CREATE TABLE {snapshot} AS SELECT * FROM {self._q(table)}")
                pk = effects.primary_key(table)
                if pk is not None:
                    index = self._q(f"{SNAPSHOT_PREFIX}{table}_pk"[:60])
                    self._execute(f"CREATE UNIQUE INDEX {index} ON {snapshot} ({self._q(pk)})")

    def restore(self, dirty: Mapping[str, Iterable[int]]) -> None:
        """Repair the given buckets of each table (see `Effects.dirty_buckets`)."""
        from django.db import transaction

        buckets = {t: list(b) for t, b in dirty.items() if b}
        if not buckets:
            return
        with PROFILE.phase(RESTORES), transaction.atomic():
            for table in reversed(self.tables):
                if table in buckets:
                    self._drop_inserted(table)
            for table in self.tables:
                if table in buckets:
                    self._put_back(table, buckets[table])

    def _drop_inserted(self, table: str) -> None:
        pk, top = self.effects.primary_key(table), self.effects.top(table)
        if pk is None or top is None:
            self._execute(f"DELETE FROM {self._q(table)}")
        else:
            self._execute(f"DELETE FROM {self._q(table)} WHERE {self._q(pk)} > %s", [top])

    def _put_back(self, table: str, buckets: list[int]) -> None:
        pk = self.effects.primary_key(table)
        target, snapshot = self._q(table), self._q(SNAPSHOT_PREFIX + table)
        columns = [self._q(c) for c in self.effects.columns(table)]
        listed = ", ".join(columns)
        if pk is None:  # no key to find rows by: the whole table again
            self._execute(f"DELETE FROM {target}")
            self._execute(f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {snapshot}")
            return
        key = self._q(pk)
        ranges = key_ranges(buckets)
        if not ranges:
            return
        within = " OR ".join(f"s.{key} BETWEEN {low} AND {high}" for low, high in ranges)
        dialect = self.effects.dialect
        changed = dialect.rows_differ(columns)
        values = [c for c in columns if c != key]
        if values:
            self._execute(
                dialect.update_from(target, snapshot, key, values, f"({within}) AND {changed}")
            )
        self._execute(
            f"INSERT INTO {target} ({listed}) SELECT {', '.join(f's.{c}' for c in columns)} "
            f"FROM {snapshot} s WHERE ({within}) AND NOT EXISTS "
            f"(SELECT 1 FROM {target} t WHERE t.{key} = s.{key})"
        )

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def _execute(self, sql: str, params: list[Any] | None = None) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    @staticmethod
    def _q(name: str) -> str:
        from django.db import connection

        return str(connection.ops.quote_name(name))
