"""MariaDB (or MySQL): the backend, its dialect, a user's server by URL; the servers the suite
starts are in `mysql_servers`."""

from __future__ import annotations

import importlib.util
import re
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager as ContextManager
from typing import Any

from ormbench.servers import mysql_servers
from ormbench.servers.backend import Backend, Description, Dialect, Query, Quieting, Quote
from ormbench.servers.base import Database, ServerURL

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


# The session's counters of rows read, by access path: what an index saved, exactly.
SESSION_COUNTERS = (
    "Handler_read_first",
    "Handler_read_key",
    "Handler_read_last",
    "Handler_read_next",
    "Handler_read_prev",
    "Handler_read_rnd",
    "Handler_read_rnd_next",
    "Rows_read",
)
PURGE_WAIT_SECONDS = 30.0
PURGE_DONE = 64  # InnoDB's history list length that counts as caught up (it rarely hits 0)
NEXT_KEY = re.compile(r" AUTO_INCREMENT=\d+")


class MySQLDialect(Dialect):
    integer_division = "DIV"
    analyzes = True

    def row_hash_sum(self, columns: Sequence[str]) -> str:
        parts = ", ".join(f"IFNULL({c}, X'00')" for c in columns)
        return (
            f"COALESCE(SUM(CRC32(CONCAT_WS(X'1f', {parts})) * 4294967296"
            f" + CRC32(CONCAT_WS(X'1e', {parts}))), 0)"
        )

    def key_counter_reset(self, table: str, pk: str, quote: Quote) -> tuple[str, list[Any]]:
        return f"ALTER TABLE {quote(table)} AUTO_INCREMENT = 1", []

    def schema_text(self, cursor: Any, table: str) -> str | None:
        # Columns, indexes, foreign keys and checks in one read; Django's introspection asked
        # information_schema table by table: 0.21 s at every scenario's end. The counter's next
        # value (" AUTO_INCREMENT=N" among the table options) is data, not schema.
        quoted = table.replace("`", "``")
        cursor.execute(f"SHOW CREATE TABLE `{quoted}`")
        return NEXT_KEY.sub("", cursor.fetchone()[1])

    def on_delete_pairs(self, query: Query, tables: Sequence[str], quote: Quote) -> list[Any]:
        return query(
            "SELECT REFERENCED_TABLE_NAME, TABLE_NAME "
            "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() "
            "AND DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT')"
        )

    def update_from(
        self, target: str, snapshot: str, key: str, values: Sequence[str], where: str
    ) -> str:
        assignments = ", ".join(f"t.{c} = s.{c}" for c in values)
        joined = f"{target} t JOIN {snapshot} s ON t.{key} = s.{key}"
        return f"UPDATE {joined} SET {assignments} WHERE {where}"

    def rows_differ(self, columns: Sequence[str]) -> str:
        # BINARY: a case-insensitive collation finds 'EN' = 'en'
        same = [f"BINARY t.{c} <=> BINARY s.{c}" for c in columns]
        return "NOT (" + " AND ".join(same) + ")"

    def reduced_plan(self, cursor: Any, sql: str) -> str:
        cursor.execute(f"EXPLAIN {sql}")
        columns = [d[0] for d in cursor.description]
        steps = []
        for row in cursor.fetchall():
            step = dict(zip(columns, row, strict=True))
            extra = f" [{step['Extra']}]" if step.get("Extra") else ""
            steps.append(f"{step.get('table')}: {step.get('type')} {step.get('key') or '-'}{extra}")
        return "; ".join(steps)

    def explain(self, cursor: Any, sql: str, analyze: bool) -> str:
        from django.db import connection

        mariadb = bool(getattr(connection, "mysql_is_mariadb", False))
        command = ("ANALYZE " if mariadb else "EXPLAIN ANALYZE ") if analyze else "EXPLAIN "
        cursor.execute(command + sql)
        rows = cursor.fetchall()
        if cursor.description and len(cursor.description) > 1:
            columns = [d[0] for d in cursor.description]
            return "\n".join(
                ["  ".join(columns)] + ["  ".join(str(v) for v in row) for row in rows]
            )
        return "\n".join(str(row[0]) for row in rows)

    def session_counters(self, connection: Any) -> dict[str, int]:
        names = ", ".join(f"'{name}'" for name in SESSION_COUNTERS)
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW SESSION STATUS WHERE Variable_name IN ({names})")
            return {name: int(value) for name, value in cursor.fetchall()}

    def quiet_before_timing(self, quiet: Quieting, tables: Sequence[str], quote: Quote) -> None:
        for table in tables:
            quiet.attempt("ANALYZE TABLE", f"ANALYZE TABLE {quote(table)}", fetch=True)
        _wait_for_purge(quiet)

    def quiet_after_writes(self, quiet: Quieting, tables: Sequence[str], quote: Quote) -> None:
        _wait_for_purge(quiet)


def _wait_for_purge(quiet: Quieting) -> None:
    """InnoDB purges old row versions in the background: wait until it has caught up."""
    from django.db import DatabaseError, connection

    deadline = time.monotonic() + PURGE_WAIT_SECONDS
    try:
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SHOW ENGINE INNODB STATUS")
                status = cursor.fetchone()[-1]
            length = _history_length(status)
            if length is None or length <= PURGE_DONE:
                break
            if time.monotonic() > deadline:
                quiet.not_applied("purge", f"history list still {length} after 30 s")
                return
            time.sleep(0.05)
    except DatabaseError as exc:
        quiet.not_applied("purge", (str(exc).strip().splitlines() or ["?"])[0])
        return
    quiet.applied("purge waited for")


def _history_length(status: str) -> int | None:
    for line in status.splitlines():
        if line.startswith("History list length"):
            return int(line.split()[-1])
    return None


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
    dialect = MySQLDialect()

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
        binaries = mysql_servers.local_binaries() if source == "local" else None
        if binaries is None:
            return None
        return mysql_servers.throwaway(self, *binaries, no_fsync=no_fsync, buffer_mb=buffer_mb)

    def replica(self, primary: Database) -> ContextManager[Database] | None:
        return mysql_servers.replica_of(self, primary) if "binaries" in primary.extra else None

    def replica_caught_up(self, primary: Any, replica: Any, timeout: float) -> bool:
        (position := primary.cursor()).execute("SELECT @@gtid_binlog_pos")
        (wait := replica.cursor()).execute(
            "SELECT MASTER_GTID_WAIT(%s, %s)", (position.fetchone()[0], timeout)
        )
        return bool(wait.fetchone()[0] == 0)

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
            **dict(server.options),
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
        marks = ", ".join(["%s"] * len(SETTINGS))
        cursor.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({marks})", SETTINGS)
        settings = dict(cursor.fetchall())
        # Django sets READ COMMITTED per session; the global default says otherwise.
        cursor.execute("SHOW SESSION VARIABLES LIKE %s", ["%isolation"])
        settings["session_isolation"] = cursor.fetchall()[-1][1]
        version_info = ".".join(map(str, MySQLdb.version_info[:3]))
        client = MySQLdb.get_client_info()
        return Description(version, settings, f"mysqlclient {version_info} (client {client})")


BACKEND = MySQL()
