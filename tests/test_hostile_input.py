"""Text that comes from a user's command line or a run file is data, never a command."""

from __future__ import annotations

import contextlib
import json
import shlex
import sqlite3
from pathlib import Path

import pytest

from ormbench import store
from ormbench.analysis.history.detect import Change, Series
from ormbench.errors import BenchError
from ormbench.present.history.site import bisect_command
from tests import factory
from tests.conftest import in_process


@pytest.mark.bad_input
def test_a_commit_range_that_is_an_option_is_refused_before_git_sees_it(tmp_path: Path) -> None:
    written = tmp_path / "x"
    done = in_process("run", f"--commits=--output={written}..HEAD", "--db", "sqlite")
    assert done.returncode == 1 and "--commits takes a range A..B" in done.stderr
    assert not written.exists() and not list(tmp_path.iterdir())


@pytest.mark.bad_input
def test_the_suggested_bisect_command_quotes_every_word_from_a_run_file() -> None:
    hostile = "fk_access; touch /tmp/owned #"
    series = Series(
        ("host", "cpu", "xs", "sqlite", "py3.11", hostile, "select_related $(id)", 100), [], False
    )
    change = Change(series, "a" * 40, "b" * 40, "time", "slower", 1.0, 1.5)
    words = shlex.split(bisect_command(change))
    assert words[:5] == ["nox", "-s", "compare", "--", "a" * 12]
    assert words[-2:] == ["-k", "fk_access; touch /tmp/owned # and select_related $(id)"]


@pytest.mark.bad_input
def test_a_store_url_of_any_case_is_a_server_never_a_local_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ormbench.analysis.history.index import open_index

    monkeypatch.chdir(tmp_path)
    with pytest.raises(BenchError) as raised:
        open_index("POSTGRESQL://user:Sekr1t@127.0.0.1:1/history", tmp_path)
    assert "Sekr1t" not in str(raised.value)
    with pytest.raises(BenchError, match="a postgresql:// URL or a file path"):
        open_index("mysql://user:Sekr1t@127.0.0.1/history", tmp_path)
    with pytest.raises(BenchError, match="name the database"):
        open_index("postgresql://user@127.0.0.1:1", tmp_path)
    assert list(tmp_path.iterdir()) == [], "no folder named after the URL"


@pytest.mark.bad_input
def test_an_applications_sqlite_file_is_not_taken_for_a_history_store(tmp_path: Path) -> None:
    from ormbench.analysis.history.index import open_index

    app = tmp_path / "app.sqlite3"
    with contextlib.closing(sqlite3.connect(app)) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
        conn.commit()
    before = app.read_bytes()
    with pytest.raises(BenchError, match="a file of something else"):
        open_index(str(app), tmp_path)
    assert app.read_bytes() == before and not app.with_name("app.sqlite3-wal").exists()
    index = open_index(str(tmp_path / "history.sqlite3"), tmp_path)  # its own file: fine
    index.close()
    open_index(str(tmp_path / "history.sqlite3"), tmp_path).close()  # and again


@pytest.mark.bad_input
def test_a_db_url_query_reaches_the_driver() -> None:
    from ormbench.servers.url import parse

    server = parse("postgresql://u:p@db.example:5433/app?sslmode=verify-full&sslrootcert=/ca.pem")
    assert dict(server.options) == {"sslmode": "verify-full", "sslrootcert": "/ca.pem"}
    assert "sslmode" not in server.safe_display and "p@" not in server.safe_display


HOSTILE_RUNS = {
    "a path for a scenario": ({"scenario": "../../etc/x"}, "scenario '../../etc/x' is not a name"),
    "an absolute database": ({"database": "/tmp/x"}, "database '/tmp/x' is not a name"),
    "a script for a variant": ({"variant": "javascript:alert(1)"}, "is not a name"),
    "a text n": ({"n": "10"}, "n '10' is not a count"),
    "a NaN time": ({"rounds": [float("nan")]}, "not a finite number"),
    "an infinite time": ({"rounds": [float("inf"), 1.0]}, "not a finite number"),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", HOSTILE_RUNS, ids=list(HOSTILE_RUNS))
def test_a_hostile_run_file_is_refused_in_one_line(case: str, tmp_path: Path) -> None:
    overrides, said = HOSTILE_RUNS[case]
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(factory.run_doc([factory.benchmark(**{"variant": "v", **overrides})]))
    )
    with pytest.raises(BenchError, match=said):
        store.load_run(path)


@pytest.mark.bad_input
def test_the_history_skips_hostile_run_files_and_goes_on(tmp_path: Path) -> None:
    runs = store.runs_dir(tmp_path)
    runs.mkdir(parents=True)
    good = factory.run_doc([factory.benchmark("v", rounds=[0.001, 0.002])])
    (runs / "good.json").write_text(json.dumps(good))
    for i, (overrides, _) in enumerate(HOSTILE_RUNS.values()):
        bad = factory.run_doc([factory.benchmark(**{"variant": "v", **overrides})])
        (runs / f"bad{i}.json").write_text(json.dumps(bad))  # json writes NaN and Infinity
    first = in_process("history", "--results", str(tmp_path))
    again = in_process("history", "--results", str(tmp_path))
    for done in (first, again):
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    assert first.stdout.count("skipped:") == len(HOSTILE_RUNS)
    assert "1 runs imported" in first.stdout
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(tmp_path in p.parents for p in written)


@pytest.mark.bad_input
def test_a_run_holding_one_benchmark_twice_is_refused() -> None:
    from ormbench.results import Run

    twice = factory.run_doc([factory.benchmark("v"), factory.benchmark("v")])
    with pytest.raises(BenchError, match="is in it twice"):
        Run.read(twice, "twice.json")
