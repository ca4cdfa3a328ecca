"""History: runs over commits imported once, a planted step found at its commit and nothing
else, a query-count change flagged exactly, and the site written. Synthetic runs, fixed seeds."""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ormbench import store
from ormbench.analysis.history import count_steps, detect, index
from ormbench.present.history import site
from ormbench.results import Run
from ormbench.servers import Database
from tests import factory
from tests.conftest import ROOT, in_process

COMMITS = [f"{i:02d}" + "c" * 38 for i in range(8)]
VARIANTS = ("lazy_loop", "select_related", "only", "values")


def _run(commit: int, rng: random.Random, processes: int = 5) -> Run:
    """One commit's run: 5 processes a benchmark, 8% process noise; select_related 2x slower
    from commit 3 on, values sends one more query from commit 5 on."""
    entries = []
    for variant in VARIANTS:
        for n in (10, 100):
            center = 0.002 * n / 10 * (2.0 if variant == "select_related" and commit >= 3 else 1)
            medians = [center * math.exp(rng.gauss(0, 0.08)) for _ in range(processes)]
            queries = 1 + (variant == "values" and commit >= 5)
            entries.append(
                factory.benchmark(
                    variant,
                    scenario="fk_access",
                    n=n,
                    rounds=medians,
                    process_medians=medians,
                    queries=queries,
                    expected_queries=queries,
                )
            )
    doc = factory.run_doc(entries)
    doc["commit_info"] = {"id": COMMITS[commit], "time": f"2026-11-{commit + 1:02d}T10:00:00"}
    return Run.read(doc)


def _stored(tmp_path: Path, seed: int, machine: str = "here") -> Path:
    rng = random.Random(seed)
    for commit in range(len(COMMITS)):
        run = _run(commit, rng)
        run.context["machine_info"] = {"node": machine}
        store.save_run(run, tmp_path)
    return tmp_path


def test_a_planted_step_is_found_at_its_commit_and_nothing_else(tmp_path: Path) -> None:
    for seed in range(10):  # ten histories: the rules hold for each, not by luck of one
        results = _stored(tmp_path / str(seed), seed)
        history = index.open_index(None, results)
        for path in sorted(store.runs_dir(results).glob("*.json")):
            history.add(store.load_run(path), index.run_id(path), str(path))
        found = detect.changes(detect.series_of(history.points(), {}))
        history.close()
        timed = {(c.series.name, c.at, c.verdict) for c in found if c.metric == "time"}
        assert timed == {
            (f"sqlite/fk_access/select_related/n={n}", COMMITS[3], "slower") for n in (10, 100)
        }, seed
        exact = {(c.series.name, c.at, c.metric, c.old, c.new) for c in found if c.metric != "time"}
        assert exact == {
            (f"sqlite/fk_access/values/n={n}", COMMITS[5], "queries", 1, 2) for n in (10, 100)
        }
        step = next(c for c in found if c.metric == "time")
        assert 1.8 < step.ratio < 2.2 and step.ci_low < step.ratio < step.ci_high


def test_the_command_imports_each_run_once_prints_the_changes_and_writes_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    results = _stored(tmp_path / "results", 1, "here")
    # two other machines' artifacts (CI runners), the same commits
    others = [_stored(tmp_path / name, seed, name) for seed, name in ((2, "ci-a"), (3, "ci-b"))]

    def history() -> subprocess.CompletedProcess[str]:
        sources = [arg for other in others for arg in ("--from", str(other / "runs"))]
        return in_process("history", "--results", str(results), *sources)

    first = history()
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert "24 runs imported, 0 already known" in first.stdout
    lines = [line for line in first.stdout.splitlines() if "slower at" in line]
    # the step on each machine, and nothing else: one series per machine
    assert len(lines) == 3 * 2, first.stdout
    assert all("select_related/n=" in line for line in lines)
    assert all(f"slower at {COMMITS[2][:10]}..{COMMITS[3][:10]}" in line for line in lines)
    assert f"nox -s compare -- {COMMITS[2][:12]} {COMMITS[3][:12]} --db sqlite" in first.stdout
    page = (results / "history" / "index.html").read_text(encoding="utf-8")
    assert "What changed lately" in page and "select_related" in page
    pngs = list((results / "history").glob("*.png"))
    assert (results / "history" / "summary.png") in pngs and len(pngs) >= 2
    assert (results / "history" / "vega.js").is_file()  # its charts draw offline
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("### django-ormbench history: 12 changes") and "slower at" in summary
    again = history()
    assert again.returncode == 0 and "0 runs imported, 24 already known" in again.stdout
    history_index = index.open_index(None, results)
    assert len(history_index.known()) == 24
    history_index.close()


@pytest.mark.servers
def test_backfill_measures_each_commit_once_and_resumes(tmp_path: Path) -> None:
    clone, results = tmp_path / "clone", tmp_path / "results"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    for i in (1, 2):
        (clone / "README.md").write_text(f"# commit {i}\n")
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-qam",
                f"c{i}",
            ],
            cwd=clone,
            check=True,
        )

    def backfill(span: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ormbench", "run", "--commits", span, "--db", "sqlite"]
            + ["--scale", "xs", "-k", "fk_access and not n100", "--results", str(results)],
            cwd=clone,
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = backfill("HEAD~2..HEAD~1")  # stopped after one commit, as Ctrl-C would
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    again = backfill("HEAD~2..HEAD")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "commit 1/2" in again.stdout and "measured already, skipped" in again.stdout
    runs = [store.load_run(p) for p in sorted(store.runs_dir(results).glob("*.json"))]
    heads = subprocess.run(
        ["git", "rev-list", "-2", "HEAD"], cwd=clone, capture_output=True, text=True
    ).stdout.split()
    assert sorted(r.commit["id"] for r in runs) == sorted(heads)
    for run in runs:  # five processes a commit, pooled: the history's samples
        assert all(len(b.process_medians) == 5 for b in run.benchmarks)


def _import_all(url: str, folders: list[str]) -> int:
    """One CI job: import every run it finds into the shared store; how many it added."""
    history = index.open_index(url, Path(folders[0]))
    added = 0
    try:
        for folder in folders:
            for path in sorted(Path(folder).glob("*.json")):
                added += history.add(store.load_run(path), index.run_id(path), str(path))
    finally:
        history.close()
    return added


def test_runs_under_changing_host_names_and_one_machine_label_form_one_series(
    tmp_path: Path,
) -> None:
    """A hosted CI runner gets a new host name every job: with `--machine` the jobs are one
    machine, so the history sees one series and finds the planted step; without, every job is
    a series of one commit."""
    rng = random.Random(3)
    labelled, unlabelled = tmp_path / "labelled", tmp_path / "unlabelled"
    for commit in range(len(COMMITS)):
        run = _run(commit, rng)
        run.context["machine_info"] = {"node": f"runner-{commit}"}  # a new host name a job
        store.save_run(run, unlabelled)
        run.meta.machine_label = "ubuntu-24.04"
        store.save_run(run, labelled)
    found = {}
    for name, results in (("labelled", labelled), ("unlabelled", unlabelled)):
        history = index.open_index(None, results)
        try:
            for path in sorted(store.runs_dir(results).glob("*.json")):
                history.add(store.load_run(path), index.run_id(path), str(path))
            points = history.points()
        finally:
            history.close()
        found[name] = (
            {p.machine for p in points},
            {(c.series.name, c.at) for c in detect.changes(detect.series_of(points, {}))
             if c.metric == "time"},
        )  # fmt: skip
    assert found["labelled"][0] == {"ubuntu-24.04"}
    assert found["labelled"][1] == {
        (f"sqlite/fk_access/select_related/n={n}", COMMITS[3]) for n in (10, 100)
    }
    assert found["unlabelled"][0] == {f"runner-{c}" for c in range(len(COMMITS))}
    assert found["unlabelled"][1] == set()  # one commit a series: nothing to see


@pytest.mark.servers
def test_runs_imported_at_once_from_three_machines_appear_exactly_once(
    postgresql_server: Database, tmp_path: Path
) -> None:
    settings = postgresql_server.django
    url = (
        f"postgresql://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT']}/{settings['NAME']}"
    )
    folders = []
    for machine in range(3):
        results = _stored(tmp_path / f"machine{machine}", machine)
        for path in store.runs_dir(results).glob("*.json"):  # each machine its own name
            doc = json.loads(path.read_text())
            doc["machine_info"]["node"] = f"runner-{machine}"
            path.write_text(json.dumps(doc))
        folders.append(str(store.runs_dir(results)))
    jobs = [folders[i:] + folders[:i] for i in range(3)]  # every job sees every run
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        added = pool.starmap(_import_all, [(url, job) for job in jobs])
    assert sum(added) == 3 * len(COMMITS)
    history = index.open_index(url, tmp_path)
    try:
        assert len(history.known()) == 3 * len(COMMITS)
        points = history.points()
    finally:
        history.close()
    assert len(points) == 3 * len(COMMITS) * len(VARIANTS) * 2
    assert {p.machine.split(" ")[0] for p in points} == {"runner-0", "runner-1", "runner-2"}


def test_a_new_run_redraws_only_the_newest_window_of_each_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site, "WINDOW", 3)  # 7 commits: overview of 1-6, newest 7
    drawn: list[str] = []
    draw = site._draw
    monkeypatch.setattr(site, "_draw", lambda w, f, path: (drawn.append(w.label), draw(w, f, path)))
    results = tmp_path / "results"
    rng = random.Random(4)
    history = index.open_index(None, results)

    def build(commits: range) -> list[str]:
        for commit in commits:
            path = store.save_run(_run(commit, rng), results)
            assert history.add(store.load_run(path), index.run_id(path), str(path))
        all_series = detect.series_of(history.points(), {c: i for i, c in enumerate(COMMITS)})
        drawn.clear()
        site.build(all_series, detect.changes(all_series), results / "history")
        return sorted(p.name for p in (results / "history").glob("fk_access-*.png"))

    before = build(range(7))
    assert drawn == ["commits 1-6", "commits 7-7"]
    after = build(range(7, 8))
    history.close()
    assert drawn == ["commits 7-8"]  # the overview was taken from the previous site
    assert len(before) == len(after) == 2 and len(set(before) & set(after)) == 1
    page = (results / "history" / "index.html").read_text(encoding="utf-8")
    assert "PNG: " in page and "commits 1-6" in page and "commits 7-8" in page


def test_a_series_in_machine_units_is_still_charted_in_seconds() -> None:
    def point(commit: str, timed: float) -> index.Point:
        return index.Point(
            "run-" + commit, commit, "2026-11-01", "here", "5.2", "xs", "sqlite", "3.45",
            "fk_access", "lazy_loop", 10, True, timed, [timed, timed * 1.1], [37.0, 38.0],
            True, 11, None,
        )  # fmt: skip

    [series] = detect.series_of([point("a" * 40, 0.005), point("b" * 40, 0.006)], {})
    assert series.in_machine_units  # every run CPU-bound: detection in units of machine speed
    assert [c.figures for c in series.commits] == [[37.0, 38.0]] * 2
    assert [c.timed for c in series.commits] == [
        pytest.approx([0.005, 0.0055]),
        pytest.approx([0.006, 0.0066]),
    ]


def test_many_charts_are_drawn_in_worker_processes_all_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site, "PARALLEL_FROM", 1)  # the path a long history takes
    monkeypatch.setattr(site, "WINDOW", 3)  # an overview and a newest window per chart
    results = _stored(tmp_path / "results", 6)
    history = index.open_index(None, results)
    for path in sorted(store.runs_dir(results).glob("*.json")):
        history.add(store.load_run(path), index.run_id(path), str(path))
    all_series = detect.series_of(history.points(), {c: i for i, c in enumerate(COMMITS)})
    history.close()
    site.build(all_series, detect.changes(all_series), results / "history")
    page = (results / "history" / "index.html").read_text(encoding="utf-8")
    charts = sorted((results / "history").glob("fk_access-*.png"))
    assert len(charts) == 2 and all(p.stat().st_size > 10_000 for p in charts)
    assert all(p.name in page for p in charts)


def _counted_run(commit: int, node: str, rng: random.Random) -> Run:
    """One commit's counts: three calls within 0.3% of each benchmark's count; select_related
    executes 3% more instructions from commit 2 on (the third commit)."""
    entries = []
    for variant in VARIANTS:
        base = 1_000_000 * (1 + VARIANTS.index(variant))
        center = base * (1.03 if variant == "select_related" and commit >= 2 else 1)
        calls = [int(center * (1 + rng.uniform(0, 0.003))) for _ in range(3)]
        entries.append(
            factory.benchmark(
                variant,
                scenario="fk_access",
                instructions=min(calls),
                call_instructions=calls,
                process_instructions=[min(calls)],
            )
        )
    doc = factory.run_doc(
        entries, measure="instructions", instructions_machine={"key": "x86_64-py3.11-abc"}
    )
    doc["commit_info"] = {"id": COMMITS[commit], "time": f"2026-11-{commit + 1:02d}T10:00:00"}
    doc["machine_info"] = {"node": node}
    return Run.read(doc)


def test_instruction_counts_of_two_host_names_form_one_series_and_find_the_step(
    tmp_path: Path,
) -> None:
    # hosted CI runners: a new host name every job, one instructions machine
    rng = random.Random(5)
    for commit in range(6):
        store.save_run(_counted_run(commit, f"runner-{commit % 2}", rng), tmp_path)
    history = index.open_index(None, tmp_path)
    for path in sorted(store.runs_dir(tmp_path).glob("*.json")):
        history.add(store.load_run(path), index.run_id(path), str(path))
    points = history.points()
    history.close()
    timed = detect.series_of(points, {})
    assert {s.key[0] for s in timed} == {"runner-0", "runner-1"}  # time keeps machines apart
    counted = count_steps.count_series(points, {})
    assert len(counted) == len(VARIANTS) and all(len(s.commits) == 6 for s in counted)
    found = count_steps.count_changes(counted)
    assert [(c.series.name, c.at, c.verdict) for c in found] == [
        ("sqlite/fk_access/select_related/n=100", COMMITS[2], "slower")
    ]
    assert 1.02 < found[0].ratio < 1.04
    assert "instructions" in found[0].line()


def test_a_series_counted_once_does_not_lower_its_databases_floor() -> None:
    # Two series counted three times a commit, their calls 0.4% apart, and three long calls
    # counted once. One of those moves 0.5% at the third commit and stays there, as a call read
    # from a socket moved between two processes of the same code: within twice the database's
    # floor (0.4%), so no change. With the single calls' zero spreads in the median the floor
    # was 0, and it was one.
    def series(variant: str, counts: list[list[float]]) -> detect.Series:
        key = ("x86_64-py3.11-abc", "5.2", "xs", "postgresql", "15", "fk_id", variant, 10)
        commits = [detect.Commit(f"c{i}", f"t{i}", c, 1, 1, []) for i, c in enumerate(counts)]
        return detect.Series(key, commits, in_machine_units=False)

    repeated = [series(f"r{k}", [[1e6, 1.002e6, 1.004e6]] * 5) for k in range(2)]
    once = [series(f"o{k}", [[1e7]] * 5) for k in range(2)]
    moved = series("moved", [[1e7], [1e7], [1.005e7], [1.005e7], [1.005e7]])
    assert count_steps.count_changes([*repeated, *once, moved]) == []
    stepped = series("stepped", [[1e7], [1e7], [1.01e7], [1.01e7], [1.01e7]])  # 1%: beyond
    [found] = count_steps.count_changes([*repeated, *once, stepped])
    assert (found.series.name, found.at, found.verdict) == (
        "postgresql/fk_id/stepped/n=10",
        "c2",
        "slower",
    )


def test_an_index_from_before_instruction_counts_opens_and_takes_them(tmp_path: Path) -> None:
    import sqlite3

    old = sqlite3.connect(tmp_path / "history.sqlite3")
    old.executescript(
        "CREATE TABLE runs (run_id TEXT PRIMARY KEY, commit_id TEXT NOT NULL, commit_time TEXT,"
        " branch TEXT, dirty INTEGER, machine TEXT NOT NULL, django TEXT, python TEXT,"
        " scale TEXT, started TEXT, source TEXT);"
        "CREATE TABLE points (run_id TEXT NOT NULL, database TEXT NOT NULL, server TEXT,"
        " scenario TEXT NOT NULL, variant TEXT NOT NULL, n INTEGER NOT NULL, valid INTEGER NOT"
        " NULL, median REAL, timed TEXT, normalized TEXT, cpu_bound INTEGER, queries INTEGER,"
        " round_trips INTEGER, PRIMARY KEY (run_id, database, scenario, variant, n));"
    )
    old.close()
    path = store.save_run(_counted_run(0, "here", random.Random(1)), tmp_path)
    history = index.open_index(None, tmp_path)
    assert history.add(store.load_run(path), index.run_id(path), str(path))
    [point, *_] = history.points()
    history.close()
    assert point.instructions and point.instructions_machine == "x86_64-py3.11-abc"


@pytest.mark.servers  # real processes, killed: the slow layer
@pytest.mark.parametrize(
    ("moment", "sig"),
    [
        ("importing", signal.SIGKILL),
        ("building the site", signal.SIGKILL),
        ("building the site", signal.SIGTERM),
    ],
    ids=["SIGKILL-importing", "SIGKILL-building", "SIGTERM-building"],
)
def test_a_history_killed_loses_nothing_and_the_next_one_completes(
    tmp_path: Path, moment: str, sig: signal.Signals
) -> None:
    """SIGKILL while runs are imported (the index is written in transactions) or while the site
    is built (in a staging folder beside results/history): the run files are untouched, the
    next history imports what is missing and builds the site, and no staging folder stays.
    SIGTERM unwinds: one line, no traceback, its staging folder removed at once."""
    results = _stored(tmp_path / "results", 1)
    before = {p: p.read_bytes() for p in store.runs_dir(results).glob("*.json")}
    command = [sys.executable, "-u", "-m", "ormbench", "history", "--results", str(results)]
    killed = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if moment == "building the site":
        assert killed.stdout is not None
        for line in killed.stdout:
            if line.startswith("What changed lately"):
                break
    else:
        time.sleep(1.0)  # the interpreter and its imports: about a second; then the index
    killed.send_signal(sig)
    said = killed.communicate(timeout=60)[0]
    if sig == signal.SIGTERM:
        assert killed.returncode == 130 and "Traceback" not in said, said[-2000:]
        assert not [p for p in results.glob(".*") if "-" in p.name], "a staging folder stayed"
    assert {p: p.read_bytes() for p in store.runs_dir(results).glob("*.json")} == before
    again = in_process("history", "--results", str(results))
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "Traceback" not in again.stdout + again.stderr
    assert (results / "history" / "index.html").exists()
    assert not [p for p in results.glob(".*") if "-" in p.name], "a staging folder stayed"
