"""SQLite: a database file in a temporary folder, removed at the end.

Two entries: `sqlite` runs as Django creates the file (rollback journal, synchronous=FULL);
`sqlite-wal` as many production deployments now do, with the write-ahead log and
synchronous=NORMAL, where a commit appends to the log without an fsync of the database.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from bench.servers.base import Database, filesystem_of, workspace

NO_FSYNC = "not applied: SQLite runs with its own synchronous pragma (see the settings)"


@contextlib.contextmanager
def throwaway(*, wal: bool = False) -> Iterator[Database]:
    started = time.monotonic()
    with workspace("sqlite") as folder:
        path = folder / "ormbench.sqlite3"
        django: dict[str, Any] = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
        journal = "delete, synchronous=FULL (Django's default)"
        if wal:
            with contextlib.closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")  # kept in the file: every connection
            django["OPTIONS"] = wal_options()
            journal = "WAL" + (", synchronous=NORMAL" if django["OPTIONS"] else "")
        yield Database(
            name="sqlite-wal" if wal else "sqlite",
            vendor="sqlite",
            django=django,
            origin="file in a temporary folder" + (", write-ahead log" if wal else ""),
            display=f"sqlite:///{path}",
            startup_seconds=time.monotonic() - started,
            setup={
                "no_fsync": NO_FSYNC,
                "data_filesystem": filesystem_of(folder),
                "journal": journal,
            },
        )


def wal_options() -> dict[str, str]:
    """synchronous=NORMAL on every connection: Django 5.1+ runs OPTIONS' init_command; an older
    Django cannot, and its run records synchronous=FULL as read from the connection."""
    import django

    return {"init_command": "PRAGMA synchronous=NORMAL"} if django.VERSION >= (5, 1) else {}
