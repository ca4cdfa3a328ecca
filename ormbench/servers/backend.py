"""A database backend: everything the suite knows about one kind of database, in one object.

How to start one (`throwaway`), how to reach a user's server by URL or a Docker service, the
Django DATABASES entry for it, how to create and drop a database on it, how to bulk-load it,
how to describe a live connection, and its colour in charts. Each backend is one module in
`ormbench/servers/` with one subclass; `ormbench/servers/registry.py` lists them, one line each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from ormbench.errors import BenchError
from ormbench.servers.base import Database, ServerURL


@dataclass(frozen=True)
class Description:
    """What a live connection says it is: recorded with every run."""

    server_version: str
    settings: dict[str, str]  # those that change its speed, and the session's isolation
    driver: str


class Quieting(Protocol):
    """What a dialect's quieting steps report to (`worker.state.quiet.Quiet`); `shared`: the
    server is a user's, where nothing server-wide is done."""

    shared: bool

    def attempt(self, action: str, sql: str, fetch: bool = False) -> None: ...

    def not_applied(self, action: str, why: str) -> None: ...

    def applied(self, action: str) -> None: ...


Query = Callable[[str], list[tuple[Any, ...]]]  # runs one statement, returns its rows
Quote = Callable[[str], str]


class Dialect:
    """The SQL the harness writes for one kind of database, run in the worker on Django's live
    connection: the effect digest and counter resets, the restore, the plans, the session
    counters, and what keeps a server quiet. A backend of an existing vendor inherits it."""

    integer_division: ClassVar[str] = "/"
    analyzes: ClassVar[bool] = False  # EXPLAIN ANALYZE runs the statement and times its steps
    counts_rows: ClassVar[bool] = True  # the driver's rowcount counts the rows a statement read

    # The effect digest (`worker.probes.effect`)

    def prepare_digest(self, connection: Any) -> None:
        """Whatever the digest SQL needs on this connection (a function, say)."""

    def row_hash_sum(self, columns: Sequence[str]) -> str:
        """SQL for the sum of per-row hashes of the quoted `columns`: order-free."""
        raise NotImplementedError

    def key_counter_reset(self, table: str, pk: str, quote: Quote) -> tuple[str, list[Any]]:
        """SQL putting the table's auto-increment counter back to its highest key."""
        raise NotImplementedError

    def on_delete_pairs(self, query: Query, tables: Sequence[str], quote: Quote) -> list[Any]:
        """(parent, child) tables whose foreign key has a database ON DELETE rule."""
        raise NotImplementedError

    # The schema fingerprint (`worker.state.isolation`)

    def schema_text(self, cursor: Any, table: str) -> str | None:
        """The table's definition, indexes included, as the server stores it, when one cheap
        read says it all; None: Django's introspection lists its constraints instead."""
        return None

    # The restore (`worker.state.restore`)

    def update_from(
        self, target: str, snapshot: str, key: str, values: Sequence[str], where: str
    ) -> str:
        """SQL copying `values` from the snapshot's rows (alias s) into the target's (alias t)
        where `where` holds: standard SQL's UPDATE ... FROM (PostgreSQL, SQLite 3.33+)."""
        assignments = ", ".join(f"{c} = s.{c}" for c in values)
        return (
            f"UPDATE {target} AS t SET {assignments} FROM {snapshot} AS s "
            f"WHERE t.{key} = s.{key} AND {where}"
        )

    def rows_differ(self, columns: Sequence[str]) -> str:
        """SQL true where row t differs from row s, NULLs compared as values."""
        same = [f"t.{c} IS s.{c}" for c in columns]
        return "NOT (" + " AND ".join(same) + ")"

    # Plans (`worker.probes.cometrics`, `worker.probes.heaviest`)

    def reduced_plan(self, cursor: Any, sql: str) -> str:
        """The access paths of `sql`'s plan, reduced so that they compare exactly between runs."""
        raise NotImplementedError

    def explain(self, cursor: Any, sql: str, analyze: bool) -> str:
        """The database's own full plan of `sql`, analyzed (run and timed) if asked and it can."""
        raise NotImplementedError

    # Counters of the server's work (`worker.probes.cometrics`)

    def session_counters(self, connection: Any) -> dict[str, int]:
        """The session's own counters of work done, where the database keeps them."""
        return {}

    def count_steps(self, session: Any, step: Callable[[], int] | None) -> bool:
        """Call `step` at every step of the engine (None: stop); False where it cannot."""
        return False

    # A quiet server (`worker.state.quiet`)

    def quiet_before_timing(self, quiet: Quieting, tables: Sequence[str], quote: Quote) -> None:
        """Maintenance that would otherwise start in the middle of a timed round."""

    def quiet_after_writes(self, quiet: Quieting, tables: Sequence[str], quote: Quote) -> None:
        """Tables a scenario wrote put back in shape for the next one."""


ROWS_PER_STATEMENT = 5_000  # executemany batch of the generic path: large, bounded memory

Row = tuple[Any, ...]


class Backend:
    """One database the suite runs on; subclasses fill in what differs."""

    name: ClassVar[str]  # what --db takes, and the key of its figures in a run
    vendor: ClassVar[str]  # Django's connection.vendor
    engine: ClassVar[str]  # Django's ENGINE
    help: ClassVar[str]  # a few words for --db's help
    color: ClassVar[str]  # in every chart
    options: ClassVar[dict[str, Any]] = {}  # Django's OPTIONS
    served: ClassVar[bool] = True  # over a network connection (a latency proxy can sit between)
    url_schemes: ClassVar[tuple[str, ...]] = ()  # --db-url schemes; the first is canonical
    url_environment: ClassVar[str | None] = None  # environment variable holding such a URL
    default_port: ClassVar[int] = 0
    default_user: ClassVar[str] = ""
    admin_database: ClassVar[str] = ""  # where a URL without a database connects
    docker_service: ClassVar[str | None] = None  # its service in docker-compose.yml
    create_options: ClassVar[str] = ""  # after CREATE DATABASE name
    dialect: ClassVar[Dialect] = Dialect()  # the SQL the harness writes for it

    def settings(
        self, name: str, host: str = "", port: int = 0, user: str = "", password: str = ""
    ) -> dict[str, Any]:
        """The Django DATABASES entry: built here and nowhere else."""
        entry: dict[str, Any] = {"ENGINE": self.engine, "NAME": name}
        if self.served:
            entry |= {"USER": user, "PASSWORD": password, "HOST": host, "PORT": str(port)}
        if self.options:
            entry["OPTIONS"] = dict(self.options)
        return entry

    def missing_driver(self) -> str | None:
        """One line naming what to install when the Python driver is absent, else None."""
        return None

    def install_hint(self) -> str:
        """One line naming what to install when no server can be had."""
        return f"no way to start {self.name} here"

    def throwaway(
        self, source: str, *, no_fsync: bool, buffer_mb: int | None
    ) -> ContextManager[Database] | None:
        """A server the suite starts from `source` ("local" or "embedded" binaries), or None
        when that source has none. Docker is generic (`ormbench.servers.docker`)."""
        return None

    def replica(self, primary: Database) -> ContextManager[Database] | None:
        """A replica of a server the suite started (`primary`), on its own port and
        folder and stopped on every exit path like it; None where the backend has none."""
        return None

    def replica_caught_up(self, primary: Any, replica: Any, timeout: float) -> bool:
        """Wait until the replica has applied every commit the primary had made when asked
        (two DB-API connections, so nothing reaches Django's query log); False on timeout."""
        return True

    def quote(self, name: str) -> str:
        return f'"{name}"'

    def create_sql(self, name: str) -> str:
        return f"CREATE DATABASE {self.quote(name)} {self.create_options}".rstrip()

    def drop_sql(self, name: str) -> str:
        return f"DROP DATABASE IF EXISTS {self.quote(name)}"

    def execute_admin(self, server: ServerURL, sql: str) -> None:
        """Run one statement outside any transaction, as the URL's user; driver errors raise
        (`administer` turns them into one line)."""
        raise NotImplementedError(f"{self.name} has no server to administer")

    def add_database(self, db: Database, name: str) -> None:
        """Another database `name` beside `db`, on the same server, with `db`'s credentials."""
        self.administer(ServerURL.of_database(db, self.name), self.create_sql(name), create=True)

    def remove_database(self, db: Database, name: str) -> None:
        self.administer(ServerURL.of_database(db, self.name), self.drop_sql(name), create=False)

    def administer(self, server: ServerURL, sql: str, *, create: bool) -> None:
        """Run one statement on the server's maintenance database, with a one-line error."""
        try:
            self.execute_admin(server, sql)
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

    # In the worker, against the live Django connection:

    def describe(self, cursor: Any) -> Description:
        raise NotImplementedError

    def adapts_python_values(self) -> bool:
        """Whether the driver takes dates, decimals and booleans as Python gives them."""
        return False

    def bulk_insert(
        self, cursor: Any, table: str, columns: list[str], rows: Iterable[Row], quote: Any
    ) -> None:
        """The backend's fastest path for many rows in the driver's types."""
        names = ", ".join(quote(c) for c in columns)
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) == ROWS_PER_STATEMENT:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
