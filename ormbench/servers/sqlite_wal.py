"""SQLite as many production deployments now run it: the write-ahead log and
synchronous=NORMAL, where a commit appends to the log without an fsync of the database."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from ormbench.servers.sqlite import SQLite


class SQLiteWAL(SQLite):
    name = "sqlite-wal"
    help = "SQLite with the write-ahead log"
    color = "#8172b2"
    origin = "file in a temporary folder, write-ahead log"

    def settings(
        self, name: str, host: str = "", port: int = 0, user: str = "", password: str = ""
    ) -> dict[str, Any]:
        """synchronous=NORMAL on every connection: Django 5.1+ runs OPTIONS' init_command; an
        older Django cannot, and its run records synchronous=FULL as read from the connection."""
        import django

        entry = super().settings(name)
        if django.VERSION >= (5, 1):
            entry["OPTIONS"] = {"init_command": "PRAGMA synchronous=NORMAL"}
        return entry

    def prepare(self, path: Path) -> str:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # kept in the file: every connection
        return "WAL" + (", synchronous=NORMAL" if "OPTIONS" in self.settings(str(path)) else "")


BACKEND = SQLiteWAL()
