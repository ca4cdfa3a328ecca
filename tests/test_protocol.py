"""The parent/worker protocol: a WorkerSpec in, one WorkerAnswer out, read by the same class."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from ormbench.protocol import PROTOCOL, Policy, WorkerAnswer, WorkerSpec
from ormbench.servers import provide
from tests.conftest import ROOT


def test_an_answer_reads_back_as_it_was_dumped(tmp_path: Path) -> None:
    answer = WorkerAnswer(
        "sqlite",
        found={"vendor": "sqlite", "dataset": {"checksum": "abc"}},
        scenarios={
            "fk_access": {
                "label": "l",
                "doc": "d",
                "sizes": [10, 100],
                "mode": None,
                "effect_from": None,
                "reference": None,
                "variants": {"lazy_loop": {"role": "naive", "label": "x", "source": "y"}},
            }
        },
        benchmarks={"benchmarks": [{"name": "b"}], "machine_info": {}},
        failed=[{"scenario": "s", "variant": "v", "n": "10", "phase": "call", "error": "e"}],
        skipped=[{"scenario": "s", "variant": "w", "n": "10", "reason": "r"}],
        figures={"peak_rss_bytes": 5, "quiet": {"vacuum": "done"}},
    )
    path = tmp_path / "sqlite.answer.json"
    answer.dump(path)
    assert WorkerAnswer.read(path, "sqlite") == answer
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # the temp file was renamed


def test_a_missing_or_foreign_answer_reads_as_an_error(tmp_path: Path) -> None:
    missing = WorkerAnswer.read(tmp_path / "none.json", "postgresql")
    assert missing.database == "postgresql" and missing.error and not missing.found
    older = tmp_path / "older.json"
    older.write_text(json.dumps({"database": "postgresql", "protocol": PROTOCOL - 1}))
    assert "protocol" in str(WorkerAnswer.read(older, "postgresql").error)
    broken = tmp_path / "broken.json"
    broken.write_text('{"database": "post')
    assert WorkerAnswer.read(broken, "postgresql").error


@pytest.mark.parametrize("keyword", ["fk_id", "updates and not request"])
def test_a_worker_on_sqlite_answers_in_one_file_with_its_cases(
    keyword: str, tmp_path: Path
) -> None:
    """A real worker, reading (fk_id) or writing and restoring what it wrote (updates: a restore
    that missed a row fails the isolation check, and the cases with it): the parent's folder
    holds its one answer and nothing else."""
    with provide("sqlite") as db:
        once = Policy(rounds=1)
        spec = WorkerSpec(
            "bench", "sqlite", db.django, "xs", str(tmp_path), keyword=keyword, policy=once
        )
        assert spec.start().wait() == 0
    assert [p.name for p in tmp_path.iterdir()] == ["sqlite.answer.json"]
    answer = WorkerAnswer.read(spec.answer_path, "sqlite")
    assert answer.error is None and answer.found["vendor"] == "sqlite"
    scenario = keyword.split()[0]
    timed = answer.benchmarks["benchmarks"]
    variants = {b["extra_info"]["variant"] for b in timed}
    assert variants == set(answer.scenarios[scenario]["variants"])
    assert {b["stats"]["rounds"] for b in timed} == {1}, "the policy's rounds reached the timer"
    assert answer.failed == [] and answer.figures["peak_rss_bytes"] > 0


def test_a_worker_started_under_pytest_xdist_still_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run started from a pytest-xdist worker (the suite's own tests, a user's `pytest -n`)
    passes its environment down: pytest-benchmark reads PYTEST_XDIST_WORKER as "parallelized"
    and times nothing, and PYTEST_ADDOPTS would hand the timed pytest options it lacks."""
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw7")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-n 4")
    with provide("sqlite") as db:
        spec = WorkerSpec(
            "bench", "sqlite", db.django, "xs", str(tmp_path), keyword="fk_id and n10",
            policy=Policy(rounds=2),
        )  # fmt: skip
        assert spec.start().wait() == 0
    answer = WorkerAnswer.read(spec.answer_path, "sqlite")
    assert answer.error is None and answer.benchmarks["benchmarks"]
    assert {b["stats"]["rounds"] for b in answer.benchmarks["benchmarks"]} == {2}


@pytest.mark.parametrize(
    ("policy", "last_call"), [(Policy(rounds=3), 5), (Policy(rounds=3, min_rounds=1), 4)]
)
def test_what_a_variant_needs_beside_its_calls_stays_outside_them(
    policy: Policy, last_call: int, tmp_path: Path
) -> None:
    """An observed figure given as a function is read after the checked call: its query is not
    the call's (each variant declares one, and the check counts one), and it is stored as its
    value; the others are the last timed round's, which ran without probes or proxy. A
    variant's `around` is entered around its checked call and its timed rounds (the last
    round's result, held against the check's, says it ran inside), and the thread it started
    is the case's. In a run one untimed warm-up call comes before the timed rounds; in a
    comparison's process (min_rounds set) none does."""
    with provide("sqlite") as db:
        spec = WorkerSpec(
            "bench", "sqlite", db.django, "xs", str(tmp_path), policy=policy,
            packages=("tests.observed_scenarios",),
        )  # fmt: skip
        assert spec.start(cwd=ROOT).wait() == 0
    answer = WorkerAnswer.read(spec.answer_path, "sqlite")
    found = {
        (b["extra_info"]["scenario"], b["extra_info"]["variant"], b["extra_info"]["n"]):
        b["extra_info"] for b in answer.benchmarks["benchmarks"]
    }  # fmt: skip
    assert len(found) == 8 and answer.failed == []
    for (scenario, _, _), info in found.items():
        assert info["valid"] and info["queries"] == 1, info
        if scenario == "observed_later":  # the checked call, [a warm-up,] three timed rounds
            assert info["observed"] == {"books_in_table": 250, "call": last_call}
        else:  # its last round ran in the block too (its result says so), and the thread shows
            assert info["threads"] == 1 and not info.get("observed"), info


PARENT = """
import sys, time
from pathlib import Path
from ormbench.protocol import Policy, WorkerSpec
from ormbench.servers import provide
with provide("sqlite") as db:
    spec = WorkerSpec("bench", "sqlite", db.django, "xs", sys.argv[1], policy=Policy(rounds=50))
    worker = spec.start()
    Path(sys.argv[1], "server").write_text(str(Path(db.django["NAME"]).parent))
    Path(sys.argv[1], "worker.pid").write_text(str(worker.pid))
    time.sleep(600)
"""


def test_a_worker_whose_parent_is_killed_stops_too(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)])
    pid_file = tmp_path / "worker.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    worker = int(pid_file.read_text())
    time.sleep(1)  # the worker is setting up Django and the dataset, or timing
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    shutil.rmtree((tmp_path / "server").read_text())  # the killed parent could not remove it
    assert not _alive(worker), "the worker outlived its parent"


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that is gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("counting", [False, True])
def test_only_a_timed_process_checks_its_cases_through_the_round_trip_proxy(
    monkeypatch: pytest.MonkeyPatch, counting: bool
) -> None:
    """The proxy's relay thread runs beside every checked call: a counting process, whose
    round trips nobody reads, checks on the direct connection as it counts."""
    from ormbench.worker import process
    from ormbench.worker.probes import roundtrips

    harness = SimpleNamespace(counter=object() if counting else None, round_trips=None)
    relay = object()
    seen: list[object] = []

    @contextlib.contextmanager
    def counted(entry: dict[str, object]) -> Iterator[object]:
        yield relay

    monkeypatch.setattr(roundtrips, "counted", counted)
    monkeypatch.setattr(process, "prepare", lambda spec, answer: (harness, []))
    monkeypatch.setattr(process, "run_cases", lambda *a: seen.append(harness.round_trips) or 0)
    monkeypatch.setattr(process.signal, "signal", lambda *args: None)  # pytest keeps its Ctrl-C
    spec = WorkerSpec("time", "postgresql", {"ENGINE": "x"}, "xs", "/nowhere")
    assert process._answer(spec, WorkerAnswer("postgresql")) == 0
    assert seen == [None if counting else relay]
