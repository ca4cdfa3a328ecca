"""SQLite as Django creates it: a database file in a temporary folder, removed at the end,
with the rollback journal and synchronous=FULL. (`sqlite_wal` is the write-ahead-log twin.)"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path
from typing import Any

from ormbench.servers.backend import Backend, Description, Dialect, Query, Quote
from ormbench.servers.base import Database, filesystem_of, workspace

NO_FSYNC = "not applied: SQLite runs with its own synchronous pragma (see the settings)"
PRAGMAS = ("journal_mode", "synchronous", "cache_size", "page_size", "foreign_keys")


_MASK_40_BITS = (1 << 40) - 1


class SQLiteDialect(Dialect):
    counts_rows = False  # sqlite3's rowcount counts changes only: the engine's steps say more

    def prepare_digest(self, connection: Any) -> None:
        connection.ensure_connection()
        connection.connection.create_function(
            "ormbench_row_hash", -1, _row_hash, deterministic=True
        )

    def row_hash_sum(self, columns: Sequence[str]) -> str:
        return f"COALESCE(SUM(ormbench_row_hash({', '.join(columns)})), 0)"

    def key_counter_reset(self, table: str, pk: str, quote: Quote) -> tuple[str, list[Any]]:
        return (
            "UPDATE sqlite_sequence SET seq = "
            f"(SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}) WHERE name = %s",
            [table],
        )

    def on_delete_pairs(self, query: Query, tables: Sequence[str], quote: Quote) -> list[Any]:
        # PRAGMA foreign_key_list rows are (id, seq, table, from, to, ..., on_delete)
        return [
            (row[2], table)
            for table in tables
            for row in query(f"PRAGMA foreign_key_list({quote(table)})")
            if row[6] in ("CASCADE", "SET NULL", "SET DEFAULT")
        ]

    def schema_text(self, cursor: Any, table: str) -> str | None:
        # The table's and its indexes' CREATE statements. Django's introspection parses them
        # with sqlparse: a tenth of a counting process's time under valgrind, at every
        # scenario's end.
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s ORDER BY type, name",
            [table],
        )
        return repr(cursor.fetchall())

    def reduced_plan(self, cursor: Any, sql: str) -> str:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "; ".join(str(row[-1]) for row in cursor.fetchall())

    def explain(self, cursor: Any, sql: str, analyze: bool) -> str:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in cursor.fetchall())

    def count_steps(self, session: Any, step: Callable[[], int] | None) -> bool:
        # Every step: with a coarser period the count depends on where the counter stood when
        # the call began (an A/A comparison moved it by 100 at a period of 100).
        session.set_progress_handler(step, 1 if step else 0)
        return True


def _row_hash(*values: Any) -> int:
    """SQLite has no hash function: this one is Python's own (SipHash for text), 3x cheaper per
    row than hashing a repr. Its values hold within one process, which is where digests live.
    40 bits: a sum over 2**23 rows stays within SQLite's signed 64-bit integers."""
    return hash(values) & _MASK_40_BITS


class SQLite(Backend):
    name = "sqlite"
    vendor = "sqlite"
    engine = "django.db.backends.sqlite3"
    help = "SQLite"
    color = "#4c72b0"
    served = False
    origin = "file in a temporary folder"
    dialect = SQLiteDialect()

    def install_hint(self) -> str:
        return "SQLite comes with Python: nothing to install"

    def throwaway(
        self, source: str, *, no_fsync: bool, buffer_mb: int | None
    ) -> ContextManager[Database] | None:
        return self._file()  # any source: a file needs none

    @contextlib.contextmanager
    def _file(self) -> Iterator[Database]:
        started = time.monotonic()
        with workspace("sqlite") as folder:
            path = folder / "ormbench.sqlite3"
            journal = self.prepare(path)
            yield Database(
                name=self.name,
                vendor=self.vendor,
                django=self.settings(str(path)),
                origin=self.origin,
                display=f"sqlite:///{path}",
                startup_seconds=time.monotonic() - started,
                setup={
                    "no_fsync": NO_FSYNC,
                    "data_filesystem": filesystem_of(folder),
                    "journal": journal,
                },
            )

    def prepare(self, path: Path) -> str:
        """Set up a new database file; its journal, as recorded with the run."""
        return "delete, synchronous=FULL (Django's default)"

    def add_database(self, db: Database, name: str) -> None:
        """An empty file in the same journal mode (WAL is kept in the file)."""
        with contextlib.closing(sqlite3.connect(db.django["NAME"])) as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        with contextlib.closing(sqlite3.connect(name)) as conn:
            conn.execute(f"PRAGMA journal_mode={mode}")

    def remove_database(self, db: Database, name: str) -> None:
        Path(name).unlink(missing_ok=True)

    def describe(self, cursor: Any) -> Description:
        cursor.execute("SELECT sqlite_version()")
        version = f"SQLite {cursor.fetchone()[0]}"
        settings = {}
        for name in PRAGMAS:
            cursor.execute(f"PRAGMA {name}")
            settings[name] = str(cursor.fetchone()[0])
        settings["session_isolation"] = "serializable"  # SQLite has no other level
        return Description(version, settings, f"sqlite3 (Python {sqlite3.sqlite_version})")


BACKEND = SQLite()
