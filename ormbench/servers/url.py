"""A user's own server, given as a URL: the suite creates one database there and drops only it.

The password travels inside the Django settings handed to the worker and nowhere else: every
message built here names the server by `safe_display`, and driver errors are scrubbed.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ormbench.errors import BenchError
from ormbench.servers import ledger, registry
from ormbench.servers.base import USERS_SERVER, Database, ServerURL, left_behind


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
    ledger.record(server, name)  # before it exists: a run killed after CREATE finds it recorded
    try:
        backend.administer(server, backend.create_sql(name), create=True)
    except BenchError:
        ledger.forget(server, name)
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
            ledger.forget(server, name)
        except BenchError as exc:
            left_behind(exc, name)
