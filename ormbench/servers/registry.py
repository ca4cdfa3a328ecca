"""Every database backend a run can take by name (`--db`), one line each: adding a backend is
one module (a `ormbench.servers.backend.Backend`) and one line here."""

from __future__ import annotations

import dataclasses
from typing import Any

from ormbench.errors import BenchError
from ormbench.servers import mysql, postgresql, sqlite, sqlite_wal
from ormbench.servers.backend import Backend

BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        sqlite.BACKEND,
        postgresql.BACKEND,
        mysql.BACKEND,
        sqlite_wal.BACKEND,
    )
}
DEFAULT = ("sqlite", "postgresql", "mysql")  # a run that names none: one per engine


def backend(name: str) -> Backend:
    """By --db name; a database behind a latency proxy ("postgresql+2ms") is its backend's."""
    found = BACKENDS.get(name.split("+")[0])
    if found is None:
        raise BenchError(f"unknown database {name!r}: choose from {', '.join(BACKENDS)}")
    return found


def by_scheme(scheme: str) -> Backend | None:
    return next((b for b in BACKENDS.values() if scheme in b.url_schemes), None)


def describe(connection: Any) -> dict[str, Any]:
    """What a connected server is: server and driver versions and the settings that change its
    speed, read from the live connection."""
    with connection.cursor() as cursor:
        found = by_vendor(connection.vendor).describe(cursor)
    return dataclasses.asdict(found)


def by_vendor(vendor: str) -> Backend:
    """The first backend of Django's `connection.vendor`: what runs inside a worker."""
    return next(b for b in BACKENDS.values() if b.vendor == vendor)
