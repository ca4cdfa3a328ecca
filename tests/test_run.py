"""The whole catalogue at scale xs on all three databases, through the real command line.

One run (one round per benchmark) serves every test here: each variant's result equals its
naive twin's and its query count equals the declared one, on every database.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ormbench import results
from ormbench.declare import catalogue
from ormbench.servers import DEFAULT_DATABASES as DATABASES
from tests.conftest import bench, newest_run


def test_run_succeeds_on_all_three_databases(xs_run: dict[str, Any]) -> None:
    done = xs_run["proc"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    databases = xs_run["doc"]["ormbench"]["databases"]
    assert set(databases) == set(DATABASES)
    for info in databases.values():
        assert "error" not in info and "skipped" not in info
        assert info["server_version"] and info["driver"] and info["settings"]


def test_every_scenario_and_variant_ran_on_every_database(xs_run: dict[str, Any]) -> None:
    doc = xs_run["doc"]
    ran = {
        (b["extra_info"]["database"], b["extra_info"]["scenario"], b["extra_info"]["variant"])
        for b in doc["benchmarks"]
    }
    skipped = {(s["database"], s["scenario"], s["variant"]) for s in doc["ormbench"]["skipped"]}
    for scenario in catalogue.scenarios().values():
        for variant in scenario.variants:
            for database in DATABASES:
                key = (database, scenario.name, variant.name)
                assert key in ran or key in skipped, f"{key} neither ran nor was skipped"


def test_variants_return_naive_data_and_declared_query_counts(xs_run: dict[str, Any]) -> None:
    benchmarks = xs_run["doc"]["benchmarks"]
    assert benchmarks
    for b in benchmarks:
        info = b["extra_info"]
        where = f"{info['database']} {info['scenario']}/{info['variant']} n={info['n']}"
        assert info["valid"] is True, f"{where}: {info['error']}"
        assert info["queries"] == info["expected_queries"], where
    assert xs_run["doc"]["ormbench"]["failed"] == []


def test_dataset_checksum_is_equal_on_all_three_databases(xs_run: dict[str, Any]) -> None:
    databases = xs_run["doc"]["ormbench"]["databases"]
    checksums = {name: info["dataset"]["checksum"] for name, info in databases.items()}
    assert len(set(checksums.values())) == 1, checksums
    assert all(info["dataset"]["rows"] > 1000 for info in databases.values())


def test_results_carry_what_a_comparison_needs(xs_run: dict[str, Any]) -> None:
    doc = xs_run["doc"]
    assert doc["commit_info"]["id"] and "dirty" in doc["commit_info"]
    assert doc["machine_info"]["python_version"]
    meta = doc["ormbench"]
    assert meta["schema_version"] == results.SCHEMA_VERSION
    assert meta["scale"] == "xs" and isinstance(meta["seed"], int)
    assert meta["environment"]["django"]
    assert meta["databases"]["postgresql"]["settings"]["fsync"] == "on"
    assert "innodb_flush_log_at_trx_commit" in meta["databases"]["mysql"]["settings"]
    for b in doc["benchmarks"]:
        assert {
            "scenario",
            "variant",
            "database",
            "n",
            "queries",
            "valid",
            "peak_memory_bytes",
        } <= set(b["extra_info"])
        assert b["stats"]["data"], "raw round times are kept"


def test_terminal_table_lists_every_scenario_per_database(xs_run: dict[str, Any]) -> None:
    out = xs_run["proc"].stdout
    for scenario in catalogue.scenarios():
        assert f"\n{scenario}: " in out
    # one that runs at other scales only is listed with why, not left out
    assert "\n  skipped on mysql: runs at scale s, m and l only (this run: xs)" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("n  variant"))
    assert all(database in header for database in DATABASES)


def test_table_columns_stay_aligned_whatever_the_variant_names(xs_run: dict[str, Any]) -> None:
    lines = xs_run["proc"].stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("upsert_ignore: ")))
    header, *body = lines[start + 1 : start + 6]
    assert any("bulk_create_ignore_conflicts" in line for line in body)
    for database in DATABASES:
        column = header.index(database)
        for line in body:
            assert line[column - 2 : column] == "  " and line[column] != " ", (database, line)


def test_progress_is_lines_a_person_reads_not_pytest_dots(xs_run: dict[str, Any]) -> None:
    out = xs_run["proc"].stdout
    assert not re.search(r"^\.{10,}", out, re.M), "rows of pytest dots"
    for database in DATABASES:
        assert re.search(rf"^{database}: \d+/\d+ cases, \w+ done; \d+:\d\d elapsed, ETA", out, re.M)
    assert "summary (speedup of the best optimized variant" in out
    assert "biggest wins" in out


def test_each_database_says_where_its_time_went(xs_run: dict[str, Any]) -> None:
    """The profile's timed work is the rounds pytest-benchmark timed, to the last digit, and
    the effect checks' and restores' figures are the profile's phases."""
    from ormbench.worker.probes import profile

    doc = xs_run["doc"]
    for database in DATABASES:
        info = doc["ormbench"]["databases"][database]
        spent = info["profile_seconds"]
        timed = [b for b in doc["benchmarks"] if b["extra_info"]["database"] == database]
        assert spent[profile.TIMED] == pytest.approx(sum(b["stats"]["total"] for b in timed))
        assert spent[profile.EFFECTS] == info["effect_check_seconds"] > 0
        assert spent[profile.RESTORES] == info["restore_seconds"] > 0
        assert spent[profile.CHECK] > 0 and spent[profile.LOAD] > 0
        assert min(spent.values()) >= 0, spent
        line = re.search(
            rf"^  {database}: (server start .*; )?worker .*$", xs_run["proc"].stdout, re.M
        )
        assert line and "timed work " in line[0] and "checked call " in line[0], database
    assert "where the time went (the run took " in xs_run["proc"].stdout
    assert re.search(r"^report: .* \(built in [\d.]+ m?s\)$", xs_run["proc"].stdout, re.M)


def test_run_leaves_no_server_and_no_folder(xs_run: dict[str, Any]) -> None:
    assert xs_run["processes_after"] <= xs_run["processes_before"]
    assert xs_run["folders_after"] <= xs_run["folders_before"]


def test_pytest_benchmark_compare_reads_the_run(xs_run: dict[str, Any]) -> None:
    cli = shutil.which("pytest-benchmark", path=str(Path(sys.executable).parent))
    assert cli, "pytest-benchmark's command line is installed with it"
    done = subprocess.run([cli, "compare", str(xs_run["path"])], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "fk_access" in done.stdout


@pytest.mark.servers
def test_a_wrong_variant_is_caught_marked_invalid_and_fails_the_run(tmp_path: Path) -> None:
    done = bench(
        "--scale",
        "xs",
        "--rounds",
        "1",
        "--scenarios",
        "tests.wrong_scenarios",
        "-k",
        "wrong_fixture",
        results=tmp_path,
    )
    assert done.returncode == 1
    assert "INVALID" in done.stdout
    by_variant: dict[str, list[dict[str, Any]]] = {}
    for b in newest_run(tmp_path)["benchmarks"]:
        by_variant.setdefault(b["extra_info"]["variant"], []).append(b["extra_info"])
    assert {i["database"] for i in by_variant["off_by_one"]} == set(DATABASES)
    for info in by_variant["off_by_one"]:
        assert info["valid"] is False
        assert "result: titles has 5 items, off_by_one 4" in info["error"] or info["n"] != 5
    for info in by_variant["miscounted"]:
        assert info["valid"] is False and "issued 1 queries, declares 5" in info["error"]
    for info in by_variant["correct"] + by_variant["titles"]:
        assert info["valid"] is True


@pytest.mark.servers
def test_a_scenario_that_leaves_the_database_changed_is_named(tmp_path: Path) -> None:
    done = bench(
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "--rounds",
        "1",
        "--scenarios",
        "tests.wrong_scenarios",
        "-k",
        "leaky_fixture",
        results=tmp_path,
    )
    assert done.returncode == 1
    # one column of one row, caught by the tables' digests, and the table is named
    assert "leaky_fixture" in done.stdout
    assert re.search(r"left the database changed \([a-z_]*counter\): its writes", done.stdout)


@pytest.mark.servers  # a real run: the slow layer
def test_a_scenario_that_leaves_the_schema_changed_is_named(tmp_path: Path) -> None:
    """Its rows are as found; an index it created (and did not undo) is caught all the same."""
    done = bench(
        *("--db", "sqlite", "--scale", "xs", "--rounds", "1"),
        *("--scenarios", "tests.wrong_scenarios", "-k", "leaky_schema"),
        results=tmp_path,
    )
    assert done.returncode == 1
    assert "leaky_schema" in done.stdout and "left the schema changed" in done.stdout
    assert "left the database changed" not in done.stdout


def test_concurrent_counter_records_lost_updates_and_f_loses_none(xs_run: dict[str, Any]) -> None:
    race = [
        b["extra_info"]
        for b in xs_run["doc"]["benchmarks"]
        if b["extra_info"]["scenario"] == "counter_race"
    ]
    assert {info["database"] for info in race} == {"postgresql", "mysql"}
    assert {info["variant"] for info in race} == {
        "python_increment",
        "f_update",
        "select_for_update",
    }
    for info in race:
        lost = info["recorded"]["lost_updates"]
        if info["variant"] in ("f_update", "select_for_update"):
            assert lost == 0 and info["valid"], info
        else:
            assert lost >= 0
    # Four threads doing 100 read-modify-writes each: some of the 400 always collide.
    assert all(
        info["recorded"]["lost_updates"] > 0
        for info in race
        if info["variant"] == "python_increment" and info["n"] == 100
    )


def test_bulk_create_misses_every_post_save_signal_and_the_batch_count_none(
    xs_run: dict[str, Any],
) -> None:
    found = of_scenario(xs_run, "bulk_create_signals")
    assert {info["database"] for info in found} == {"sqlite", "postgresql", "mysql"}
    for info in found:
        missed = info["recorded"]["signals_missed"]
        samples = {sample["signals_missed"] for sample in info.get("recorded_samples") or []}
        if info["variant"] == "bulk_create_alone":
            assert missed == info["n"] and samples == {info["n"]}, info
        else:
            assert missed == 0 and samples == {0} and info["valid"], info


def test_update_fields_without_the_auto_now_field_leaves_every_timestamp_stale(
    xs_run: dict[str, Any],
) -> None:
    found = of_scenario(xs_run, "auto_now_fields")
    assert len(found) == 3 * 2 * 4  # three databases, two sizes, four variants
    for info in found:
        stale = info["recorded"]["stale_timestamps"]
        if info["variant"] == "update_fields_only":
            assert stale == info["n"], info
        else:
            assert stale == 0 and info["valid"], info


def test_a_template_over_a_lazy_queryset_queries_once_per_row_while_it_renders(
    xs_run: dict[str, Any],
) -> None:
    found = of_scenario(xs_run, "template_queries")
    assert len(found) == 3 * 2 * 3  # three databases, two sizes, three variants
    for info in found:
        lazy = info["variant"] == "lazy_queryset"
        assert info["queries"] == (info["n"] + 1 if lazy else 1) and info["valid"], info


def of_scenario(xs_run: dict[str, Any], scenario: str) -> list[dict[str, Any]]:
    return [
        b["extra_info"]
        for b in xs_run["doc"]["benchmarks"]
        if b["extra_info"]["scenario"] == scenario
    ]


def test_job_queue_claims_each_job_once_with_a_lock_and_twice_without(
    xs_run: dict[str, Any],
) -> None:
    queue = of_scenario(xs_run, "job_queue")
    assert {(info["database"], info["variant"]) for info in queue} == {
        (database, variant)
        for database in ("postgresql", "mysql")
        for variant in ("no_lock", "for_update_waits", "skip_locked")
    }
    for info in queue:
        assert info["recorded"]["left"] == 0, info  # every variant drains the queue
        if info["variant"] != "no_lock":
            assert info["valid"] and info["recorded"]["claimed_twice"] == 0, info
    # Four workers reading the oldest of 100 queued jobs with no lock: they collide every time.
    assert all(
        info["recorded"]["claimed_twice"] > 0
        for info in queue
        if info["variant"] == "no_lock" and info["n"] == 100
    )


def test_the_connections_a_request_loop_opens_are_counted(xs_run: dict[str, Any]) -> None:
    """On the wire (PostgreSQL, MariaDB) and as Django opens them (SQLite): one per request with
    CONN_MAX_AGE=0, one in all with a persistent connection, none with the pool (opened before
    the requests, as a server process opens it)."""
    loop = of_scenario(xs_run, "connections")
    assert {(info["database"], info["variant"]) for info in loop} >= {
        ("postgresql", "psycopg_pool"),
        *((db, "conn_max_age_0") for db in ("sqlite", "postgresql", "mysql")),
        *((db, "persistent") for db in ("sqlite", "postgresql", "mysql")),
        *((db, "health_checks") for db in ("sqlite", "postgresql", "mysql")),
    }
    for info in loop:
        assert info["valid"], info
        expected = {"conn_max_age_0": info["n"], "psycopg_pool": 0}.get(info["variant"], 1)
        assert (info["connects"] or 0) == expected, info
    others = [
        b["extra_info"]
        for b in xs_run["doc"]["benchmarks"]
        if b["extra_info"]["scenario"] not in ("connections",)
    ]
    assert all(info.get("connects") is None for info in others if info["database"] == "sqlite")


@pytest.mark.servers
def test_a_migration_under_a_writer_is_timed_with_what_the_writer_saw(tmp_path: Path) -> None:
    """schema_change at s (its smallest scale): every variant valid, the writer's figures kept
    beside the time, the index dropped after every call (the run checks the schema after the
    scenario and would fail otherwise)."""
    done = bench(
        *("--db", "postgresql", "--db", "mysql", "--scale", "s", "--rounds", "1"),
        *("-k", "schema_change"),
        results=tmp_path,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = sorted((tmp_path / "runs").glob("*.json"))
    found = [b["extra_info"] for b in json.loads(runs[-1].read_text())["benchmarks"]]
    assert {(info["database"], info["variant"]) for info in found} == {
        ("postgresql", "add_index"),
        ("postgresql", "add_index_concurrently"),
        ("mysql", "add_index"),
    }
    for info in found:
        assert info["valid"], info
        observed = info["observed"]
        assert observed["migration_ms"] > 0 and observed["writer_writes_per_s"] > 0, info
        assert observed["writer_worst_stall_ms"] > 0, info
    assert "writer worst stall ms" in done.stdout


def test_backend_limits_are_recorded_as_skips_with_reasons(xs_run: dict[str, Any]) -> None:
    skipped = {
        (s["database"], s["scenario"], s["variant"]): s["reason"]
        for s in xs_run["doc"]["ormbench"]["skipped"]
    }
    assert (
        "lacks supports_update_conflicts_with_target"
        in skipped[("mysql", "upsert", "bulk_upsert_on_name")]
    )
    assert "database is locked" in skipped[("sqlite", "counter_race", "python_increment")]
    for database in DATABASES:  # a scenario that declares its scales says so at the others
        reason = skipped[(database, "schema_change", "add_index")]
        assert reason == "runs at scale s, m and l only (this run: xs)"


def test_explain_output_is_stored_on_each_database(xs_run: dict[str, Any]) -> None:
    explained = {
        b["extra_info"]["database"]
        for b in xs_run["doc"]["benchmarks"]
        if b["extra_info"].get("explain")
    }
    assert explained == set(DATABASES)


@pytest.mark.servers
def test_writes_commit_by_themselves_or_in_one_request_transaction(tmp_path: Path) -> None:
    done = bench(
        "--db",
        "sqlite",
        "--db",
        "sqlite-wal",
        "--scale",
        "xs",
        "--rounds",
        "3",
        "--no-fsync",
        "--no-report",
        "--scenarios",
        "tests.mode_scenarios",
        results=tmp_path,
    )
    doc = newest_run(tmp_path)
    found = {
        (i["database"], i["scenario"], i["variant"], i["n"]): i
        for i in (b["extra_info"] for b in doc["benchmarks"])
    }
    for database in ("sqlite", "sqlite-wal"):
        for n in (5, 10):
            plain = found[(database, "mode_probe", "claims_autocommit", n)]
            assert plain["mode"] == "autocommit" and plain["valid"] is True, plain
            request = found[(database, "mode_probe@request", "claims_autocommit", n)]
            assert request["mode"] == "request" and request["valid"] is False
            assert "True" in request["error"] and "False" in request["error"]
    assert done.returncode == 1  # the request-mode claim is wrong, and says so
    assert "left the database changed" not in done.stdout  # every committed write was put back
    databases = doc["ormbench"]["databases"]
    assert databases["sqlite-wal"]["settings"]["journal_mode"] == "wal"
    assert databases["sqlite"]["settings"]["journal_mode"] == "delete"
    for info in databases.values():
        assert info["setup"]["no_fsync"].startswith("not applied: SQLite")
        assert info["setup"]["data_filesystem"] not in ("", "unknown")
        assert info["restore_seconds"] > 0


def test_round_trips_are_counted_on_the_wire_beside_queries(xs_run: dict[str, Any]) -> None:
    found = {
        (i["database"], i["scenario"], i["variant"], i["n"]): i
        for i in (b["extra_info"] for b in xs_run["doc"]["benchmarks"])
    }
    # a server-side cursor: one query, a FETCH per chunk of 100
    chunked = found[("postgresql", "iterator", "iterator_chunk_100", 400)]
    assert chunked["queries"] == 1 and chunked["round_trips"] >= 5
    whole = found[("postgresql", "iterator", "evaluate_all", 400)]
    assert whole["round_trips"] == whole["queries"] == 1
    # MySQLdb's SET autocommit=1 after each delete()'s COMMIT is on the wire, not in the log
    deleted = found[("mysql", "deletes", "delete_each", 10)]
    assert deleted["round_trips"] > deleted["queries"]
    assert all(i["round_trips"] is None for k, i in found.items() if k[0] == "sqlite")
    assert "q/" in xs_run["proc"].stdout and "rt" in xs_run["proc"].stdout  # shown in the table


@pytest.mark.servers
def test_a_proxy_adds_the_latency_asked_for_and_the_run_records_it(tmp_path: Path) -> None:
    """The same cases straight to the server and through a proxy adding 0 and 20 ms a trip."""
    done = bench(
        "--db", "postgresql", "--scale", "xs", "--rounds", "1", "-k", "fk_access and not n100",
        "--latency", "0,20ms", "--no-report", results=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    doc = newest_run(tmp_path)
    assert set(doc["ormbench"]["databases"]) == {"postgresql+0ms", "postgresql+20ms"}
    by = {
        (b["extra_info"]["database"], b["extra_info"]["variant"]): b
        for b in doc["benchmarks"]
        if b["extra_info"]["n"] == 10
    }
    slow, direct = by[("postgresql+20ms", "lazy_loop")], by[("postgresql+0ms", "lazy_loop")]
    assert slow["extra_info"]["latency_ms"] == 20 and direct["extra_info"]["latency_ms"] == 0
    # eleven queries, each at least one 20 ms round trip
    assert slow["stats"]["median"] >= 11 * 0.020 > direct["stats"]["median"]


def test_write_figures_say_which_mode_they_were_taken_in(xs_run: dict[str, Any]) -> None:
    doc = xs_run["doc"]
    modes = {(b["extra_info"]["scenario"], b["extra_info"]["mode"]) for b in doc["benchmarks"]}
    assert ("inserts", "autocommit") in modes and ("inserts@request", "request") in modes
    assert ("fk_access", None) in modes
    scenarios = doc["ormbench"]["scenarios"]
    assert scenarios["updates@request"]["mode"] == "request"
    assert "request transaction" in scenarios["updates@request"]["label"]


def test_run_records_what_the_servers_really_ran_with(xs_run: dict[str, Any]) -> None:
    databases = xs_run["doc"]["ormbench"]["databases"]
    for name in DATABASES:
        setup = databases[name]["setup"]
        assert setup["no_fsync"] == "not requested"
        assert setup["data_filesystem"] not in ("", "unknown")
    assert databases["mysql"]["settings"]["session_isolation"] == "READ-COMMITTED"
    assert databases["postgresql"]["settings"]["session_isolation"] == "read committed"
    assert "transaction_isolation" not in databases["mysql"]["settings"]  # the global misleads
