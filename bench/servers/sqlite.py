"""SQLite: a database file in a temporary folder, removed at the end."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from bench.servers.base import Database, workspace


@contextlib.contextmanager
def throwaway() -> Iterator[Database]:
    started = time.monotonic()
    with workspace("sqlite") as folder:
        path = folder / "ormbench.sqlite3"
        yield Database(
            name="sqlite",
            vendor="sqlite",
            django={"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)},
            origin="file in a temporary folder",
            display=f"sqlite:///{path}",
            startup_seconds=time.monotonic() - started,
        )
