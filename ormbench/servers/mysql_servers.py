"""The MariaDB servers the suite starts: a throwaway primary, and a replica of it.

Each runs from the local binaries in a temporary folder of its own (data, tmpdir, socket, logs),
on a free loopback port, with a password made for the run; both are stopped and their folders
removed on every exit path. The replica is a second server, installed as the primary is, that
follows the primary's binary log from its first event (GTID): it holds every database the
primary has and receives the dataset as the primary loads it. Replication is asynchronous, as a
read replica's usually is: a read there may not see the newest commit
(`MySQL.replica_caught_up` waits for it). The backend (`ormbench.servers.mysql`) is passed in.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path
from typing import Any

from ormbench.errors import BenchError
from ormbench.servers.backend import Backend
from ormbench.servers.base import Database, ServerURL, applied, find_binary, workspace
from ormbench.servers.process import new_password, private_file, run_quietly, running

DATABASE_NAME = "ormbench"
SERVER_FLAGS = (
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--local-infile=1",
)
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
    backend: Backend,
    install: Path,
    server: Path,
    *,
    no_fsync: bool = False,
    buffer_mb: int | None = None,
) -> Iterator[Database]:
    """Start MariaDB in a temporary folder on a free loopback port; stop and remove it after.
    It keeps a binary log, as a primary with replicas does (`replica_of` follows it)."""
    started = time.monotonic()
    with workspace("mysql") as folder:
        data, _ = _install_datadir(install, folder)
        password = new_password()
        settings = dict(NO_FSYNC_SETTINGS) if no_fsync else {}
        if buffer_mb:
            settings["innodb_buffer_pool_size"] = f"{buffer_mb}M"
        own = [f"--log-bin={folder}/binlog", "--server-id=1"]
        own += [f"--{key}={value}" for key, value in settings.items()]
        with _serving(server, folder, password, own, "MariaDB") as (proc, port):
            backend.execute_admin(
                ServerURL("mysql", "127.0.0.1", port, "root", password, ""),
                f"CREATE DATABASE {backend.quote(DATABASE_NAME)} {backend.create_options}",
            )
            yield Database(
                name="mysql",
                vendor="mysql",
                django=backend.settings(DATABASE_NAME, "127.0.0.1", port, "root", password),
                origin=f"throwaway server ({server})",
                display=f"mysql://root@127.0.0.1:{port}/{DATABASE_NAME}",
                startup_seconds=time.monotonic() - started,
                extra={
                    "server_pid": proc.pid,
                    "folder": str(folder),
                    "binaries": [install, server],
                },
                setup=applied(data, no_fsync, buffer_mb),
            )


def _serving(
    server: Path, folder: Path, password: str, own: list[str], what: str
) -> ContextManager[tuple[Any, int]]:
    """mariadbd on its folder, on a free port, until the block ends."""
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    # Run before the server accepts a connection, at every start: root gets a password only
    # the run knows (install-db leaves it with none), so no other account can log in.
    init = private_file(folder, "init.sql", _set_root_password(password), None)

    def command(port: int) -> tuple[list[str], Path]:
        log = folder / f"error-{port}.log"
        return [
            str(server),
            "--no-defaults",
            *as_root,
            f"--datadir={folder}/data",
            f"--tmpdir={folder}/tmp",
            f"--socket={folder}/mysqld.sock",
            f"--port={port}",
            f"--pid-file={folder}/mysqld.pid",
            f"--log-error={log}",
            *SERVER_FLAGS,
            f"--init-file={init}",
            *own,
        ], log

    return running(
        command,
        lambda port: _connect(port, password).close(),
        what=what,
        stop_signal=signal.SIGTERM,
        bind_error="Address already in use",
    )


def _install_datadir(install: Path, folder: Path) -> tuple[Path, Path]:
    """The data folder, and a tmpdir of the server's own: at start-up MariaDB removes the `#sql`
    files it finds in its tmpdir, so two runs sharing /tmp had one install-db delete the other's
    temporary tables ("Unknown table 'mysql.tmp_user_sys'", 3 of 24 trios of installs here)."""
    data, scratch = folder / "data", folder / "tmp"
    scratch.mkdir()
    # --no-defaults must come first, or Debian's /etc/mysql settings leak in.
    run_quietly(
        [
            str(install),
            "--no-defaults",
            f"--datadir={data}",
            f"--tmpdir={scratch}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            "--innodb-log-file-size=16M",
            *(["--user=root"] if os.geteuid() == 0 else []),
        ],
        "MariaDB install-db",
    )
    return data, scratch


def _set_root_password(password: str) -> str:
    """SQL giving every root account install-db may create this password."""
    hosts = ("localhost", "127.0.0.1", "::1", "%")
    return "".join(
        f"ALTER USER IF EXISTS 'root'@'{host}' IDENTIFIED BY '{password}';\n" for host in hosts
    )


def _connect(port: int, password: str):  # type: ignore[no-untyped-def]
    import MySQLdb

    return MySQLdb.connect(
        host="127.0.0.1", port=port, user="root", password=password, connect_timeout=2
    )


REPLICA_START_SECONDS = 30.0


@contextlib.contextmanager
def replica_of(backend: Backend, primary: Database) -> Iterator[Database]:
    """A replica of `primary`, a throwaway server, on its own port and folder, stopped and
    removed on every exit path."""
    started = time.monotonic()
    install, server = primary.extra["binaries"]
    password = primary.django["PASSWORD"]
    with workspace("mysql-replica") as folder:
        _install_datadir(install, folder)
        own = ["--server-id=2", "--skip-log-bin", "--read-only=1", f"--relay-log={folder}/relay"]
        with _serving(server, folder, password, own, "MariaDB replica") as (proc, port):
            _follow(port, password, int(primary.django["PORT"]))
            yield dataclasses.replace(  # the primary's credentials, on the replica's port
                primary,
                name="mysql-replica",
                django={**primary.django, "PORT": str(port)},
                origin=f"replica of {primary.display}",
                display=f"mysql://root@127.0.0.1:{port}/{DATABASE_NAME} (replica)",
                startup_seconds=time.monotonic() - started,
                extra={"server_pid": proc.pid, "folder": str(folder)},
                setup={},
            )


def _follow(port: int, password: str, primary_port: int) -> None:
    """Follow the primary's binary log from its first event; wait until both threads run."""
    with contextlib.closing(_connect(port, password)) as conn:
        cursor = conn.cursor()
        cursor.execute("SET GLOBAL gtid_slave_pos = ''")
        cursor.execute(  # the password travels in the statement, never on a command line
            "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = %s, MASTER_USER = 'root', "
            "MASTER_PASSWORD = %s, MASTER_USE_GTID = slave_pos",
            (primary_port, password),
        )
        cursor.execute("START SLAVE")
        deadline = time.monotonic() + REPLICA_START_SECONDS
        while True:
            cursor.execute("SHOW SLAVE STATUS")
            status = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
            if status["Slave_IO_Running"] == status["Slave_SQL_Running"] == "Yes":
                return
            error = status["Last_IO_Error"] or status["Last_SQL_Error"]
            if error or time.monotonic() > deadline:
                raise BenchError(f"MariaDB replica did not start: {error or 'timed out'}")
            time.sleep(0.05)
