"""A user's own server, given as a URL: the suite creates one database there and drops only it.

The password travels inside the Django settings handed to the worker and nowhere else: every
message built here names the server by `safe_display`, and driver errors are scrubbed.

The databases the suite makes on a user's server are recorded while they exist (the ledger): a
run killed before it could drop one (SIGKILL, a lost session) leaves a line, and `ormbench clean
--db-url URL` drops exactly the recorded ones of that server, and nothing else. One JSON line
per database, without the password: vendor, host, port, user, name, and the pid of the run
that made it, so that a live run's databases are never dropped under it. The file is private
to the account.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ormbench.errors import BenchError
from ormbench.servers import registry
from ormbench.servers.base import (
    USERS_SERVER,
    Database,
    ServerURL,
    alive,
    cache_root,
    left_behind,
)


def parse(url: str) -> ServerURL:
    """Parse `postgresql://user:pw@host:port/db` or `mysql://...`; BenchError when malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BenchError(
            "malformed --db-url: expected scheme://user:password@host:port/dbname"
        ) from None
    backend = registry.by_scheme(parts.scheme)
    if backend is None:
        schemes = " or ".join(
            f"{b.url_schemes[0]}://" for b in registry.BACKENDS.values() if b.url_schemes
        )
        raise BenchError(f"unsupported --db-url scheme {parts.scheme!r}: use {schemes}")
    if not parts.hostname:
        raise BenchError("malformed --db-url: no host (expected scheme://user@host:port/dbname)")
    return ServerURL(
        vendor=backend.name,
        host=parts.hostname,
        port=port or backend.default_port,
        user=unquote(parts.username or backend.default_user),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")) or backend.admin_database,
        options=tuple(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False)),
    )


def _with_options(entry: dict[str, Any], server: ServerURL) -> dict[str, Any]:
    """The URL's query as the driver's connection options (TLS settings, say), beside the
    backend's own."""
    if server.options:
        entry["OPTIONS"] = {**entry.get("OPTIONS", {}), **dict(server.options)}
    return entry


@contextlib.contextmanager
def own_database(server: ServerURL) -> Iterator[Database]:
    """Create `ormbench_<random>` on the user's server, yield it, drop it at the end."""
    started = time.monotonic()
    backend = registry.backend(server.vendor)
    name = f"ormbench_{secrets.token_hex(4)}"
    record(server, name)  # before it exists: a run killed after CREATE finds it recorded
    try:
        backend.administer(server, backend.create_sql(name), create=True)
    except BenchError:
        forget(server, name)
        raise
    try:
        yield Database(
            name=backend.name,
            vendor=backend.vendor,
            django=_with_options(
                backend.settings(name, server.host, server.port, server.user, server.password),
                server,
            ),
            origin=USERS_SERVER,
            setup={
                "no_fsync": "not applied: a server given by URL keeps its own settings",
                "data_filesystem": "unknown: a server the suite did not start",
                "buffers": "the server's own",
            },
            display=f"{server.vendor}://{server.user}@{server.host}:{server.port}/{name}",
            startup_seconds=time.monotonic() - started,
        )
    finally:
        # A drop that fails (a session still open on it) never throws the finished results
        # away: it is said, and the run goes on to store them.
        try:
            backend.administer(server, backend.drop_sql(name), create=False)
            forget(server, name)
        except BenchError as exc:
            left_behind(exc, name)


def ledger_path() -> Path:
    """The ledger, beside the dataset cache (ORMBENCH_CACHE moves both)."""
    return cache_root() / "user-databases.jsonl"


def _entry(server: ServerURL, name: str) -> dict[str, Any]:
    return {
        "vendor": server.vendor,
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "database": name,
    }


@contextlib.contextmanager
def _locked() -> Iterator[list[dict[str, Any]]]:
    """The ledger's lines, read and written back under a lock (runs may end at once)."""
    ledger = ledger_path()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(ledger, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        lines = [json.loads(line) for line in handle.read().splitlines() if line.strip()]
        yield lines
        handle.seek(0)
        handle.truncate()
        handle.write("".join(json.dumps(line) + "\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())


def record(server: ServerURL, name: str, pid: int | None = None) -> None:
    """Before the database is created: a crash after CREATE still finds it recorded."""
    with _locked() as lines:
        lines.append({**_entry(server, name), "pid": pid or os.getpid()})


def forget(server: ServerURL, name: str) -> None:
    """Once it is dropped."""
    with _locked() as lines:
        wanted = _entry(server, name)
        lines[:] = [line for line in lines if {k: line.get(k) for k in wanted} != wanted]


def recorded_left(server: ServerURL | None = None) -> list[dict[str, Any]]:
    """Recorded databases whose run is gone, on `server` only if given."""
    with _locked() as lines:
        return [
            line
            for line in lines
            if not (int(line.get("pid", 0)) > 0 and alive(int(line.get("pid", 0))))
            and (
                server is None
                or all(line.get(k) == v for k, v in _entry(server, line["database"]).items())
            )
        ]


def shown(line: dict[str, Any]) -> str:
    return f"{line['vendor']}://{line['user']}@{line['host']}:{line['port']}/{line['database']}"
