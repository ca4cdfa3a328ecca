"""What a connected server is: exact version, and the settings that change its speed."""

from __future__ import annotations

from typing import Any

PG_SETTINGS = (
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
MYSQL_SETTINGS = (
    "innodb_flush_log_at_trx_commit",
    "innodb_doublewrite",
    "innodb_flush_method",
    "innodb_buffer_pool_size",
    "innodb_log_file_size",
    "sync_binlog",
    "log_bin",
    "max_connections",
)
SQLITE_PRAGMAS = ("journal_mode", "synchronous", "cache_size", "page_size", "foreign_keys")


def describe(connection: Any) -> dict[str, Any]:
    """Server and driver versions and speed settings, read from the live connection."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            import psycopg

            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
            settings = {}
            for name in PG_SETTINGS:
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
            cursor.execute("SHOW transaction_isolation")
            settings["session_isolation"] = cursor.fetchone()[0]
            driver = f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()})"
        elif vendor == "mysql":
            import MySQLdb

            cursor.execute("SELECT VERSION(), @@version_comment")
            version = " ".join(cursor.fetchone())
            # SHOW VARIABLES skips names a server lacks (MariaDB < 11.1 has tx_isolation).
            cursor.execute(
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("
                + ", ".join(["%s"] * len(MYSQL_SETTINGS))
                + ")",
                MYSQL_SETTINGS,
            )
            settings = dict(cursor.fetchall())
            # Django sets READ COMMITTED per session; the global default says otherwise.
            cursor.execute("SHOW SESSION VARIABLES LIKE %s", ["%isolation"])
            settings["session_isolation"] = cursor.fetchall()[-1][1]
            version_info = ".".join(map(str, MySQLdb.version_info[:3]))
            driver = f"mysqlclient {version_info} (client {MySQLdb.get_client_info()})"
        else:
            import sqlite3

            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
            settings = {}
            for name in SQLITE_PRAGMAS:
                cursor.execute(f"PRAGMA {name}")
                settings[name] = str(cursor.fetchone()[0])
            settings["session_isolation"] = "serializable"  # SQLite has no other level
            driver = f"sqlite3 (Python {sqlite3.sqlite_version})"
    return {"server_version": version, "settings": settings, "driver": driver}
