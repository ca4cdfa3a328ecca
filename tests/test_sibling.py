"""The other side of a comparison gets a database of its own on the same server, dropped after."""

from __future__ import annotations

import pytest

from ormbench.servers import Database, sibling
from ormbench.servers.base import ServerURL


def _databases(db: Database) -> set[str]:
    server = ServerURL.of_database(db, db.vendor)
    if db.vendor == "postgresql":
        import psycopg

        with psycopg.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            dbname=server.database,
        ) as conn:
            return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    import MySQLdb

    conn = MySQLdb.connect(
        host=server.host, port=server.port, user=server.user, password=server.password
    )
    try:
        cursor = conn.cursor()
        cursor.execute("SHOW DATABASES")
        return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()


@pytest.mark.servers
@pytest.mark.parametrize("vendor", ["postgresql", "mysql"])
def test_a_sibling_database_lives_beside_the_first_and_is_dropped(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    db: Database = request.getfixturevalue(f"{vendor}_server")
    with sibling(db, "_b") as other:
        assert other.django["NAME"] == f"{db.django['NAME']}_b"
        assert other.django["PORT"] == db.django["PORT"] and other.name == db.name
        assert other.django["NAME"] in _databases(db)
        assert other.display.endswith("_b") and "PASSWORD" not in other.display
    assert f"{db.django['NAME']}_b" not in _databases(db)
