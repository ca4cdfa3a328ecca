"""MariaDB (or MySQL): throwaway servers from local binaries, a user's server by URL."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ormbench.servers.backend import Backend, Description
from ormbench.servers.base import (
    Database,
    applied,
    find_binary,
    run_quietly,
    running,
    workspace,
)

if TYPE_CHECKING:
    from ormbench.servers.base import ServerURL

DATABASE_NAME = "ormbench"
SBIN = [Path("/usr/sbin"), Path("/usr/local/sbin"), Path("/usr/local/mysql/bin")]

# Durability off: less disk noise, but commits stop paying for an fsync. Opt-in, recorded.
NO_FSYNC_SETTINGS = {
    "innodb-flush-log-at-trx-commit": "0",
    "innodb-doublewrite": "0",
    "innodb-flush-method": "nosync",
}


def local_binaries() -> tuple[Path, Path] | None:
    """(install-db, server) for MariaDB, or None when they are not installed."""
    server = find_binary("mariadbd", SBIN) or find_binary("mysqld", SBIN)
    install = find_binary("mariadb-install-db", SBIN) or find_binary("mysql_install_db", SBIN)
    if server is None or install is None:
        return None
    return install, server


@contextlib.contextmanager
def throwaway(
    install: Path, server: Path, *, no_fsync: bool = False, buffer_mb: int | None = None
) -> Iterator[Database]:
    """Start MariaDB in a temporary folder on a free loopback port; stop and remove it after."""
    started = time.monotonic()
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    with workspace("mysql") as folder:
        data = folder / "data"
        # --no-defaults must come first, or Debian's /etc/mysql settings leak in.
        run_quietly(
            [
                str(install),
                "--no-defaults",
                f"--datadir={data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                "--innodb-log-file-size=16M",
                *as_root,
            ],
            "MariaDB install-db",
        )
        settings = dict(NO_FSYNC_SETTINGS) if no_fsync else {}
        if buffer_mb:
            settings["innodb_buffer_pool_size"] = f"{buffer_mb}M"

        def command(port: int) -> tuple[list[str], Path]:
            log = folder / f"error-{port}.log"
            return [
                str(server),
                "--no-defaults",
                *as_root,
                f"--datadir={data}",
                f"--socket={folder}/mysqld.sock",
                f"--port={port}",
                "--bind-address=127.0.0.1",
                f"--pid-file={folder}/mysqld.pid",
                f"--log-error={log}",
                "--skip-log-bin",
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--local-infile=1",
                *(f"--{key}={value}" for key, value in settings.items()),
            ], log

        with running(
            command,
            _close_connection,
            what="MariaDB",
            stop_signal=signal.SIGTERM,
            bind_error="Address already in use",
        ) as (proc, port):
            conn = _connect(port)
            try:
                conn.cursor().execute(
                    f"CREATE DATABASE {BACKEND.quote(DATABASE_NAME)} {BACKEND.create_options}"
                )
            finally:
                conn.close()
            yield Database(
                name="mysql",
                vendor="mysql",
                django=BACKEND.settings(DATABASE_NAME, "127.0.0.1", port, "root"),
                origin=f"throwaway server ({server})",
                display=f"mysql://root@127.0.0.1:{port}/{DATABASE_NAME}",
                startup_seconds=time.monotonic() - started,
                extra={"server_pid": proc.pid, "folder": str(folder)},
                setup=applied(data, no_fsync, buffer_mb),
            )


def _close_connection(port: int) -> None:
    _connect(port).close()


def _connect(port: int):  # type: ignore[no-untyped-def]
    import MySQLdb

    return MySQLdb.connect(host="127.0.0.1", port=port, user="root", connect_timeout=2)


SETTINGS = (
    "innodb_flush_log_at_trx_commit",
    "innodb_doublewrite",
    "innodb_flush_method",
    "innodb_buffer_pool_size",
    "innodb_log_file_size",
    "sync_binlog",
    "log_bin",
    "max_connections",
)


class MySQL(Backend):
    name = "mysql"
    vendor = "mysql"
    engine = "django.db.backends.mysql"
    help = "MariaDB or MySQL"
    color = "#e48e00"
    options = {"charset": "utf8mb4"}
    url_schemes = ("mysql", "mariadb")
    url_environment = "ORMBENCH_MYSQL_URL"
    default_port = 3306
    default_user = "root"
    docker_service = "mysql"
    create_options = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"

    def missing_driver(self) -> str | None:
        if importlib.util.find_spec("MySQLdb") is not None:
            return None
        return (
            "mysqlclient, the MySQL/MariaDB driver, is not installed: it builds against "
            "libmariadb-dev; run `sudo apt-get install libmariadb-dev pkg-config gcc`, then again"
        )

    def install_hint(self) -> str:
        return (
            "MariaDB/MySQL not found: install mariadb-server (apt), or run Docker, "
            "or pass --db-url mysql://..."
        )

    def throwaway(
        self, source: str, *, no_fsync: bool, buffer_mb: int | None
    ) -> ContextManager[Database] | None:
        binaries = local_binaries() if source == "local" else None
        if binaries is None:
            return None
        return throwaway(*binaries, no_fsync=no_fsync, buffer_mb=buffer_mb)

    def quote(self, name: str) -> str:
        return f"`{name}`"

    def execute_admin(self, server: ServerURL, sql: str) -> None:
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

    def describe(self, cursor: Any) -> Description:
        import MySQLdb

        cursor.execute("SELECT VERSION(), @@version_comment")
        version = " ".join(cursor.fetchone())
        # SHOW VARIABLES skips names a server lacks (MariaDB < 11.1 has tx_isolation).
        cursor.execute(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("
            + ", ".join(["%s"] * len(SETTINGS))
            + ")",
            SETTINGS,
        )
        settings = dict(cursor.fetchall())
        # Django sets READ COMMITTED per session; the global default says otherwise.
        cursor.execute("SHOW SESSION VARIABLES LIKE %s", ["%isolation"])
        settings["session_isolation"] = cursor.fetchall()[-1][1]
        version_info = ".".join(map(str, MySQLdb.version_info[:3]))
        client = MySQLdb.get_client_info()
        return Description(version, settings, f"mysqlclient {version_info} (client {client})")


BACKEND = MySQL()
