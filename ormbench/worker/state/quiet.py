"""A quiet server before anything is timed, and after every scenario that wrote.

A scenario's figures must not depend on the scenarios that ran before it. Restoring committed
writes leaves dead row versions behind on PostgreSQL and undo history on InnoDB; background
work (autovacuum, purge, checkpoints) would then fire at moments nobody chose, inside someone's
timed rounds. So, outside every timed region:

- before the first case, PostgreSQL gets `VACUUM ANALYZE`, a `CHECKPOINT` and autovacuum off
  on every table (a storage parameter, so it also holds on a user's server); MariaDB/MySQL gets
  `ANALYZE TABLE` and a wait until purge has caught up; SQLite needs nothing (no row versions);
- after the last case of a scenario that wrote, the tables it wrote are rewritten in key order
  and analyzed (PostgreSQL: `CLUSTER` on the primary key, then `ANALYZE`), or purge is waited for
  (MariaDB/MySQL). A plain VACUUM was not enough: it frees dead rows but keeps the pages, and a
  table grown by restores made the planner pick an index scan where the fresh table gets a
  sequential one (lookup_index alone against after the whole catalogue, at xs).

Each action, and whatever could not be done and why, is recorded in the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PURGE_WAIT_SECONDS = 30.0
PURGE_DONE = 64  # InnoDB's history list length that counts as caught up (it rarely hits 0)


@dataclass
class Quiet:
    """What was done to keep one database quiet, and how long it took."""

    vendor: str
    applied: list[str] = field(default_factory=list)
    not_applied: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def before_timing(self, tables: Iterable[str]) -> None:
        started = time.perf_counter()
        tables = list(tables)
        if self.vendor == "postgresql":
            for table in tables:
                self._try(
                    "autovacuum off", f"ALTER TABLE {_q(table)} SET (autovacuum_enabled = off)"
                )
            self._vacuum(tables, "VACUUM ANALYZE")
            self._try("CHECKPOINT", "CHECKPOINT")
        elif self.vendor == "mysql":
            for table in tables:
                self._try("ANALYZE TABLE", f"ANALYZE TABLE `{table}`", fetch=True)
            self._wait_for_purge()
        self.seconds += time.perf_counter() - started

    def after_writes(self, tables: Iterable[str]) -> None:
        started = time.perf_counter()
        if self.vendor == "postgresql":
            for table in tables:
                self._try("CLUSTER", f"CLUSTER {_q(table)} USING {_q(_primary_key_index(table))}")
            self._vacuum(list(tables), "ANALYZE")
        elif self.vendor == "mysql":
            self._wait_for_purge()
        self.seconds += time.perf_counter() - started

    def record(self) -> dict[str, Any]:
        return {
            "applied": sorted(set(self.applied)),
            "not_applied": self.not_applied,
            "seconds": self.seconds,
        }

    def _vacuum(self, tables: list[str], command: str) -> None:
        for table in tables:
            self._try(command, f"{command} {_q(table)}")

    def _try(self, action: str, sql: str, fetch: bool = False) -> None:
        from django.db import DatabaseError, connection

        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                if fetch:
                    cursor.fetchall()
        except DatabaseError as exc:
            self.not_applied[action] = (str(exc).strip().splitlines() or ["?"])[0]
        else:
            self.applied.append(action)

    def _wait_for_purge(self) -> None:
        """InnoDB purges old row versions in the background: wait until it has caught up."""
        from django.db import DatabaseError, connection

        deadline = time.monotonic() + PURGE_WAIT_SECONDS
        try:
            while True:
                with connection.cursor() as cursor:
                    cursor.execute("SHOW ENGINE INNODB STATUS")
                    status = cursor.fetchone()[-1]
                length = _history_length(status)
                if length is None or length <= PURGE_DONE:
                    break
                if time.monotonic() > deadline:
                    self.not_applied["purge"] = f"history list still {length} after 30 s"
                    return
                time.sleep(0.05)
        except DatabaseError as exc:
            self.not_applied["purge"] = (str(exc).strip().splitlines() or ["?"])[0]
            return
        self.applied.append("purge waited for")


def _primary_key_index(table: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND x.indisprimary",
            [table],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def _history_length(status: str) -> int | None:
    for line in status.splitlines():
        if line.startswith("History list length"):
            return int(line.split()[-1])
    return None


def _q(table: str) -> str:
    from django.db import connection

    return str(connection.ops.quote_name(table))
