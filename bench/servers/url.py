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
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.errors import BenchError
from bench.servers.base import Database

SCHEMES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
ENGINES = {"postgresql": "django.db.backends.postgresql", "mysql": "django.db.backends.mysql"}


@dataclass(frozen=True)
class ServerURL:
    vendor: str
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
    vendor = SCHEMES.get(parts.scheme)
    if vendor is None:
        raise BenchError(
            f"unsupported --db-url scheme {parts.scheme!r}: use postgresql:// or mysql://"
        )
    if not parts.hostname:
        raise BenchError("malformed --db-url: no host (expected scheme://user@host:port/dbname)")
    return ServerURL(
        vendor=vendor,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[vendor],
        user=unquote(parts.username or ("postgres" if vendor == "postgresql" else "root")),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")) or ("postgres" if vendor == "postgresql" else ""),
    )


@contextlib.contextmanager
def own_database(server: ServerURL) -> Iterator[Database]:
    """Create `ormbench_<random>` on the user's server, yield it, drop it at the end."""
    started = time.monotonic()
    name = f"ormbench_{secrets.token_hex(4)}"
    admin(server, f"CREATE DATABASE {quote(server.vendor, name)}", create=True)
    try:
        yield Database(
            name=server.vendor,
            vendor=server.vendor,
            django={
                "ENGINE": ENGINES[server.vendor],
                "NAME": name,
                "USER": server.user,
                "PASSWORD": server.password,
                "HOST": server.host,
                "PORT": str(server.port),
                **({"OPTIONS": {"charset": "utf8mb4"}} if server.vendor == "mysql" else {}),
            },
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
        admin(server, f"DROP DATABASE IF EXISTS {quote(server.vendor, name)}", create=False)


def quote(vendor: str, name: str) -> str:
    return f"`{name}`" if vendor == "mysql" else f'"{name}"'


def admin(server: ServerURL, sql: str, *, create: bool) -> None:
    """Run one statement on the server's maintenance database, with a one-line error."""
    try:
        if server.vendor == "postgresql":
            import psycopg

            kwargs: dict[str, Any] = {}
            if server.password:
                # A password the server never checks (trust authentication) usually means the
                # URL points at another server than the one meant: refuse rather than ignore it.
                kwargs["require_auth"] = "!none"
            with psycopg.connect(
                host=server.host,
                port=server.port,
                user=server.user,
                password=server.password,
                dbname=server.database,
                connect_timeout=5,
                autocommit=True,
                **kwargs,
            ) as conn:
                conn.execute(sql)  # type: ignore[arg-type]
        else:
            import MySQLdb

            conn = MySQLdb.connect(
                host=server.host,
                port=server.port,
                user=server.user,
                password=server.password,
                connect_timeout=5,
            )
            try:
                conn.cursor().execute(sql)
            finally:
                conn.close()
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
