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
from typing import Any

from bench.errors import BenchError
from bench.servers.base import Database


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
                _execute(db, f"DROP DATABASE IF EXISTS {_quote(db.vendor, name)}")


def _sqlite_like(original: Path, path: Path) -> None:
    """An empty file in the same journal mode (WAL is kept in the file)."""
    with contextlib.closing(sqlite3.connect(original)) as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA journal_mode={mode}")


def _create(vendor: str, name: str) -> str:
    if vendor == "mysql":
        return (
            f"CREATE DATABASE {_quote(vendor, name)} CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci"
        )
    return f"CREATE DATABASE {_quote(vendor, name)}"


def _quote(vendor: str, name: str) -> str:
    return f"`{name}`" if vendor == "mysql" else f'"{name}"'


def _execute(db: Database, sql: str) -> None:
    """One statement through the database's own credentials, outside any transaction."""
    settings: dict[str, Any] = db.django
    try:
        if db.vendor == "postgresql":
            import psycopg

            with psycopg.connect(
                host=settings["HOST"],
                port=int(settings["PORT"]),
                user=settings["USER"],
                password=settings["PASSWORD"],
                dbname=settings["NAME"],
                connect_timeout=5,
                autocommit=True,
            ) as conn:
                conn.execute(sql)  # type: ignore[arg-type]
        else:
            import MySQLdb

            conn = MySQLdb.connect(
                host=settings["HOST"],
                port=int(settings["PORT"]),
                user=settings["USER"],
                password=settings["PASSWORD"],
                connect_timeout=5,
            )
            try:
                conn.cursor().execute(sql)
            finally:
                conn.close()
    except Exception as exc:  # noqa: BLE001 - driver errors become one user-facing line
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        password = settings.get("PASSWORD")
        if password:
            first_line = first_line.replace(password, "***")
        raise BenchError(
            f"{db.name}: could not run {sql.split()[0]} DATABASE: {first_line}"
        ) from None
