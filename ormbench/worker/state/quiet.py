"""A quiet server before anything is timed, and after every case of a scenario that wrote.

A scenario's figures must not depend on the scenarios that ran before it. Restoring committed
writes leaves dead row versions behind on PostgreSQL and undo history on InnoDB; background
work (autovacuum, purge, checkpoints) would then fire at moments nobody chose, inside someone's
timed rounds. So, outside every timed region:

- before the first case, PostgreSQL gets `VACUUM ANALYZE`, a `CHECKPOINT` and autovacuum off
  on every table (a storage parameter, so it also holds on a user's server); MariaDB/MySQL gets
  `ANALYZE TABLE` and a wait until purge has caught up; SQLite needs nothing (no row versions);
- after every case of a scenario that wrote, the tables it wrote are rewritten in key order
  and analyzed (PostgreSQL: `CLUSTER` on the primary key, then `ANALYZE`), or purge is waited for
  (MariaDB/MySQL). A plain VACUUM was not enough: it frees dead rows but keeps the pages, and a
  table grown by restores made the planner pick an index scan where the fresh table gets a
  sequential one (lookup_index alone against after the whole catalogue, at xs).

What each database gets is its dialect's (`servers.backend.Dialect.quiet_before_timing`).
Each action, and whatever could not be done and why, is recorded in the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ormbench.servers.backend import Dialect
from ormbench.worker.probes.profile import PROFILE, SETTLING


@dataclass
class Quiet:
    """What was done to keep one database quiet, and how long it took."""

    dialect: Dialect
    shared: bool = False  # a user's server: nothing server-wide
    done: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    def before_timing(self, tables: Iterable[str]) -> None:
        with PROFILE.phase(SETTLING):
            self.dialect.quiet_before_timing(self, list(tables), _q)

    def after_writes(self, tables: Iterable[str]) -> None:
        with PROFILE.phase(SETTLING):
            self.dialect.quiet_after_writes(self, list(tables), _q)

    def record(self) -> dict[str, Any]:
        return {
            "applied": sorted(set(self.done)),
            "not_applied": self.refused,
            "seconds": PROFILE.seconds.get(SETTLING, 0.0),
        }

    def attempt(self, action: str, sql: str, fetch: bool = False) -> None:
        """Run one quieting statement; a refusal is recorded, never raised."""
        from django.db import DatabaseError, connection

        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                if fetch:
                    cursor.fetchall()
        except DatabaseError as exc:
            self.not_applied(action, (str(exc).strip().splitlines() or ["?"])[0])
        else:
            self.applied(action)

    def not_applied(self, action: str, why: str) -> None:
        self.refused[action] = why

    def applied(self, action: str) -> None:
        self.done.append(action)


def _q(table: str) -> str:
    from django.db import connection

    return str(connection.ops.quote_name(table))
