"""A second database on a running server, for the other side of a comparison.

Both sides of a comparison time against the same server (same settings, caches, disk), but each
in a database of its own: a revision that adds or drops an index, or changes a model, migrates
only its own. The sibling is created empty (the side's first worker migrates and loads it) and
dropped on exit; on a throwaway server the folder goes with it anyway.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bench.errors import BenchError
from bench.servers.base import Database
from bench.servers.url import ServerURL, admin, quote


@contextlib.contextmanager
def sibling(db: Database, suffix: str) -> Iterator[Database]:
    """`db`'s server, database `<NAME><suffix>`."""
    name = f"{db.django['NAME']}{suffix}"
    if db.vendor == "sqlite":
        _sqlite_like(Path(db.django["NAME"]), Path(name))
    else:
        _execute(db, _create(db.vendor, name))
    try:
        yield dataclasses.replace(
            db,
            django={**db.django, "NAME": name},
            display=db.display.replace(str(db.django["NAME"]), name),
        )
    finally:
        if db.vendor == "sqlite":
            Path(name).unlink(missing_ok=True)
        else:
            with contextlib.suppress(BenchError):  # a dead server: its folder goes anyway
                _execute(db, f"DROP DATABASE IF EXISTS {quote(db.vendor, name)}", create=False)


def _sqlite_like(original: Path, path: Path) -> None:
    """An empty file in the same journal mode (WAL is kept in the file)."""
    with contextlib.closing(sqlite3.connect(original)) as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA journal_mode={mode}")


def _create(vendor: str, name: str) -> str:
    if vendor == "mysql":
        charset = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        return f"CREATE DATABASE {quote(vendor, name)} {charset}"
    return f"CREATE DATABASE {quote(vendor, name)}"


def _execute(db: Database, sql: str, *, create: bool = True) -> None:
    """One statement through the database's own credentials, outside any transaction."""
    settings = db.django
    server = ServerURL(
        db.vendor,
        settings["HOST"],
        int(settings["PORT"]),
        settings["USER"],
        settings["PASSWORD"],
        settings["NAME"],
    )
    admin(server, sql, create=create)
