"""SQLite as Django creates it: a database file in a temporary folder, removed at the end,
with the rollback journal and synchronous=FULL. (`sqlite_wal` is the write-ahead-log twin.)"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path
from typing import Any

from ormbench.servers.backend import Backend, Description
from ormbench.servers.base import Database, filesystem_of, workspace

NO_FSYNC = "not applied: SQLite runs with its own synchronous pragma (see the settings)"
PRAGMAS = ("journal_mode", "synchronous", "cache_size", "page_size", "foreign_keys")


class SQLite(Backend):
    name = "sqlite"
    vendor = "sqlite"
    engine = "django.db.backends.sqlite3"
    help = "SQLite"
    color = "#4c72b0"
    served = False
    origin = "file in a temporary folder"

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
