"""A user's own server, given as a URL: the suite creates one database there and drops only it.

The password travels inside the Django settings handed to the worker and nowhere else: every
message built here names the server by `safe_display`, and driver errors are scrubbed.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ormbench.errors import BenchError
from ormbench.servers import registry
from ormbench.servers.base import Database


@dataclass(frozen=True)
class ServerURL:
    vendor: str  # the backend's name
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def safe_display(self) -> str:
        """The URL without its password."""
        return f"{self.vendor}://{self.user}@{self.host}:{self.port}/{self.database}"

    def scrub(self, text: str) -> str:
        return text.replace(self.password, "***") if self.password else text


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
    )


def of_database(db: Database) -> ServerURL:
    """The server holding `db`, reached with `db`'s own credentials."""
    settings = db.django
    return ServerURL(
        registry.backend(db.name).name,
        settings["HOST"],
        int(settings["PORT"]),
        settings["USER"],
        settings["PASSWORD"],
        settings["NAME"],
    )


@contextlib.contextmanager
def own_database(server: ServerURL) -> Iterator[Database]:
    """Create `ormbench_<random>` on the user's server, yield it, drop it at the end."""
    started = time.monotonic()
    backend = registry.backend(server.vendor)
    name = f"ormbench_{secrets.token_hex(4)}"
    admin(server, backend.create_sql(name), create=True)
    try:
        yield Database(
            name=backend.name,
            vendor=backend.vendor,
            django=backend.settings(name, server.host, server.port, server.user, server.password),
            origin="your server (--db-url)",
            setup={
                "no_fsync": "not applied: a server given by URL keeps its own settings",
                "data_filesystem": "unknown: a server the suite did not start",
                "buffers": "the server's own",
            },
            display=f"{server.vendor}://{server.user}@{server.host}:{server.port}/{name}",
            startup_seconds=time.monotonic() - started,
        )
    finally:
        admin(server, backend.drop_sql(name), create=False)


def admin(server: ServerURL, sql: str, *, create: bool) -> None:
    """Run one statement on the server's maintenance database, with a one-line error."""
    try:
        registry.backend(server.vendor).execute_admin(server, sql)
    except Exception as exc:  # noqa: BLE001 - driver errors become one user-facing line
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if 'requirement "!none" failed' in first_line:
            first_line = (
                "the server let us in without checking the password (trust "
                "authentication): is this the server you meant? To use it, drop the "
                "password from the URL"
            )
        verb = "create a database on" if create else "drop the benchmark database on"
        raise BenchError(
            f"could not {verb} {server.safe_display}: {server.scrub(first_line)}"
        ) from None
