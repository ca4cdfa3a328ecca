"""Run files: atomic, never overwritten, refused clearly when corrupt or of another schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ormbench import store
from ormbench.errors import BenchError
from ormbench.results import Run
from tests import factory


def minimal_run() -> Run:
    return factory.run([factory.benchmark("a"), factory.benchmark("b", rounds=[0.1, 0.3])])


def test_saved_run_round_trips(tmp_path: Path) -> None:
    path = store.save_run(minimal_run(), tmp_path)
    assert path.parent == tmp_path / "runs"
    assert store.load_run(path) == minimal_run()


@pytest.mark.fault
def test_two_saves_in_the_same_second_never_overwrite(tmp_path: Path) -> None:
    first = store.save_run(minimal_run(), tmp_path)
    marked = minimal_run()
    marked.context["marker"] = 2
    second = store.save_run(marked, tmp_path)
    assert first != second
    assert "marker" not in json.loads(first.read_text())
    assert json.loads(second.read_text())["marker"] == 2
    assert not list((tmp_path / "runs").glob(".*.tmp")), "no temporary file is left behind"


@pytest.mark.bad_input
@pytest.mark.parametrize("content", ["{not json", '{"benchmarks": []}', "[]", ""])
def test_corrupt_or_foreign_file_is_refused_in_one_line(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(BenchError) as raised:
        store.load_run(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.bad_input
def test_unknown_schema_is_refused(tmp_path: Path) -> None:
    doc = minimal_run().as_dict()
    doc["ormbench"]["schema_version"] = 999
    path = tmp_path / "future.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(BenchError, match="schema 999"):
        store.load_run(path)


@pytest.mark.fault
def test_unwritable_results_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(BenchError, match="not writable"):
        store.ensure_writable(blocker)


@pytest.mark.fault
def test_half_written_results_of_dead_processes_are_reaped_and_nothing_else(
    tmp_path: Path,
) -> None:
    import os
    import subprocess

    ended = subprocess.Popen(["true"])
    ended.wait()
    dead, live = ended.pid, os.getpid()
    (tmp_path / "runs").mkdir()
    killed = [
        tmp_path / f".report-{dead}-0011aabb",
        tmp_path / "runs" / f".20261206T124718Z_ed8fcbd1_xs-{dead}-abcdef01.tmp",
        tmp_path / ".report-old-0011aabb",
    ]
    kept = [
        tmp_path / f".report-{live}-0011aabb",  # a build still going on
        tmp_path / ".gitignore",  # the user's own
        tmp_path / "runs" / "20261206T124718Z_ed8fcbd1_xs.json",
    ]
    for path in killed + kept:
        if path.suffix in (".tmp", ".json") or path.name == ".gitignore":
            path.write_text('{"ormbench": "a stored run"}' if path.suffix == ".json" else "x")
        else:
            path.mkdir()
            (path / "index.html").write_text("half")
    assert sorted(store.reap_staging(tmp_path)) == sorted(killed)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in killed)
