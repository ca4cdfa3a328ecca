"""A second database on a running server, for the other side of a comparison.

Both sides of a comparison time against the same server (same settings, caches, disk), but each
in a database of its own: a revision that adds or drops an index, or changes a model, migrates
only its own. The sibling is created empty (the side's first worker migrates and loads it) and
dropped on exit; on a throwaway server the folder goes with it anyway.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

from ormbench.errors import BenchError
from ormbench.servers import registry
from ormbench.servers.base import USERS_SERVER, Database, ServerURL, left_behind
from ormbench.servers.url import forget, record


@contextlib.contextmanager
def sibling(db: Database, suffix: str) -> Iterator[Database]:
    """`db`'s server, database `<NAME><suffix>`."""
    backend = registry.backend(db.name)
    name = f"{db.django['NAME']}{suffix}"
    # a user's server records it in the ledger; a throwaway server's folder goes with it anyway
    server = ServerURL.of_database(db, backend.name) if db.origin == USERS_SERVER else None
    if server is not None:
        record(server, name)
    backend.add_database(db, name)
    try:
        yield dataclasses.replace(
            db,
            django={**db.django, "NAME": name},
            display=db.display.replace(str(db.django["NAME"]), name),
        )
    finally:
        try:
            backend.remove_database(db, name)
            if server is not None:
                forget(server, name)
        except BenchError as exc:
            if server is not None:
                left_behind(exc, name)
