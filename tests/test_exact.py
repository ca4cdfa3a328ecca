"""Exact co-metrics: SQL shapes, plans, server work; compared between runs without statistics."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ormbench.analysis.exact import exact_changes
from ormbench.results import Run
from ormbench.worker.probes import cometrics
from tests import factory
from tests.conftest import bench, newest_run


def test_a_shape_is_the_statement_without_its_values() -> None:
    one = 'SELECT "book"."id" FROM "book" WHERE "book"."author_id" = 17 LIMIT 21'
    other = 'SELECT "book"."id" FROM "book" WHERE "book"."author_id" = 4 LIMIT 21'
    assert cometrics.shape(one) == cometrics.shape(other)
    assert "17" not in cometrics.shape(one) and '"book"' in cometrics.shape(one)
    # a list of any length, rows of a bulk insert, quoted strings with escapes
    assert cometrics.shape("SELECT 1 FROM t WHERE id IN (1, 2, 3)") == cometrics.shape(
        "SELECT 1 FROM t WHERE id IN (7, 8)"
    )
    assert cometrics.shape("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'it''s')") == (
        cometrics.shape("INSERT INTO t (a, b) VALUES (5, 'y')")
    )
    # savepoint names carry a thread id that differs from process to process
    assert cometrics.shape('SAVEPOINT "s140213_x1"') == cometrics.shape('SAVEPOINT "s99_x2"')
    # digits inside names are names, and another column is another shape
    assert cometrics.shape('SELECT "t1"."col2" FROM t1') == 'SELECT "t1"."col2" FROM t1'
    assert cometrics.shape("SELECT a FROM t WHERE b = 1") != cometrics.shape(
        "SELECT a FROM t WHERE c = 1"
    )


def _doc(xs_extra: list[dict[str, Any]]) -> Run:
    return factory.run([factory.benchmark(**extra) for extra in xs_extra])


def _info(**figures: Any) -> dict[str, Any]:
    return {
        "database": "postgresql",
        "scenario": "lookup",
        "variant": "by_code",
        "n": 10,
        "valid": True,
        "queries": 1,
        "rows": 10,
        "sql_shapes": [['SELECT "id" FROM "book" WHERE "code" = ?', 10]],
        "plans": {'SELECT "id" FROM "book" WHERE "code" = ?': "Index Scan on book using code"},
        "server_work": {},
        **figures,
    }


def test_equal_runs_have_no_exact_change_and_each_kind_of_change_is_named() -> None:
    a = _doc([_info()])
    assert exact_changes(a, copy.deepcopy(a)) == []
    shape = 'SELECT "id" FROM "book" WHERE "code" = ?'
    b = _doc([_info(plans={shape: "Seq Scan on book"}, queries=11, rows=11)])
    found = {c.metric: c for c in exact_changes(a, b)}
    assert set(found) == {"plan", "queries", "rows"}
    assert found["plan"].before == "Index Scan on book using code"
    assert found["plan"].after == "Seq Scan on book"
    assert found["queries"].more_queries and not found["plan"].more_queries
    assert str(found["queries"]) == "postgresql/lookup/by_code/n=10: queries 1 -> 11"
    mysql_a = _doc([_info(server_work={"Handler_read_key": 10, "Handler_read_rnd_next": 0})])
    mysql_b = _doc([_info(server_work={"Handler_read_key": 0, "Handler_read_rnd_next": 251})])
    assert {c.metric for c in exact_changes(mysql_a, mysql_b)} == {
        "Handler_read_key",
        "Handler_read_rnd_next",
    }
    other_sql = _doc([_info(sql_shapes=[['SELECT "id" FROM "book" WHERE "isbn" = ?', 10]])])
    [sql] = exact_changes(a, other_sql)
    assert sql.metric == "sql" and "isbn" in sql.after and '"code"' in sql.before
    # an invalid benchmark is not compared: its figures are not the variant's
    assert exact_changes(a, _doc([_info(valid=False, queries=99)])) == []


def test_the_run_records_exact_figures_on_every_database(xs_run: dict[str, Any]) -> None:
    doc = xs_run["doc"]
    infos = [b["extra_info"] for b in doc["benchmarks"] if b["extra_info"].get("valid")]
    for vendor in ("sqlite", "postgresql", "mysql"):
        mine = [i for i in infos if i["vendor"] == vendor]
        assert mine, vendor
        assert all(i["sql_shapes"] for i in mine if i["queries"])
        assert any(p and "not explained" not in p for i in mine for p in i["plans"].values())
    on_sqlite = [i for i in infos if i["vendor"] == "sqlite"]
    assert all(i["server_work"].get("vm_steps", 0) > 0 for i in on_sqlite if not i.get("connects"))
    # A call that reconnected ran on several sessions: no counter adds up across them.
    reconnected = [i for i in infos if (i.get("connects") or 0) > 1]
    assert reconnected and all(not i["server_work"] for i in reconnected)
    assert any(i["server_work"].get("Handler_read_key") for i in infos if i["vendor"] == "mysql")
    assert all(i["rows"] is None for i in infos if i["vendor"] == "sqlite")
    assert any(i["rows"] for i in infos if i["vendor"] == "postgresql")
    # the same run against itself: nothing exact differs
    assert exact_changes(Run.read(doc), Run.read(doc)) == []


def test_a_scenario_alone_does_the_same_work_as_after_the_whole_catalogue(
    xs_run: dict[str, Any], tmp_path: Path
) -> None:
    """Order independence, exactly: the queries, rows, plans and server work (MariaDB's handler
    reads, SQLite's VM steps) of scenarios that run late in the catalogue, after every writing
    scenario, are those they show alone on a fresh server."""
    late = "lookup_index or trap_ordering or aggregate_conditional"
    done = bench("--scale", "xs", "--rounds", "1", "-k", late, "--no-report", results=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    alone = newest_run(tmp_path)
    assert len(alone["benchmarks"]) >= 20
    assert {b["extra_info"]["vendor"] for b in alone["benchmarks"]} == {
        "sqlite",
        "postgresql",
        "mysql",
    }
    assert exact_changes(Run.read(xs_run["doc"]), Run.read(alone)) == []


def test_each_variant_keeps_the_full_plan_of_its_heaviest_statement(
    xs_run: dict[str, Any],
) -> None:
    infos = {
        (i["vendor"], i["scenario"], i["variant"], i["n"]): i
        for i in (b["extra_info"] for b in xs_run["doc"]["benchmarks"])
    }
    # the N+1 loop's heaviest shape is the author lookup sent 100 times, analyzed where the
    # database can (reads only)
    for vendor, words in (
        ("postgresql", ("EXPLAIN ANALYZE", "actual time")),
        ("mysql", ("EXPLAIN ANALYZE", "r_rows")),
        ("sqlite", ("EXPLAIN:", "SEARCH")),
    ):
        shown = infos[(vendor, "fk_access", "lazy_loop", 100)]["heaviest_plan"]
        assert shown.startswith("100x SELECT") and "author" in shown.splitlines()[0], shown
        assert all(word in shown for word in words), shown
    # a write is explained, never run again under ANALYZE
    written = infos[("postgresql", "updates", "save_loop", 100)]["heaviest_plan"]
    assert "\nEXPLAIN:\n" in written and "actual time" not in written, written
