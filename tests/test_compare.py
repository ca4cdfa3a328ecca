"""Comparisons: A/A is quiet, a deliberate slowdown is flagged exactly, bad pairs are refused."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from ormbench.analysis import stats
from ormbench.analysis.compare import compare_runs
from ormbench.results import Run
from tests import factory
from tests.conftest import ROOT, bench, compare, in_process, ormbench_folders, scenario_module


def processes(center: float, count: int, seed: int, sigma: float = 0.03) -> list[float]:
    """Synthetic process medians: log-normal around `center`."""
    rng = random.Random(seed)
    return [center * math.exp(rng.gauss(0, sigma)) for _ in range(count)]


def judged(a: list[float], b: list[float], tests: int = 1, threshold: float = 0.10) -> str:
    test = stats.process_test(a, b)
    p_value = stats.holm([test.p_value] + [1.0] * (tests - 1))[0]
    return stats.verdict(test, p_value, stats.resolution(test, tests), threshold)


def test_verdicts_on_synthetic_processes() -> None:
    assert judged(processes(1.0, 6, 1), processes(1.0, 6, 2)) == "unchanged"
    slower = stats.process_test(processes(1.0, 6, 1), processes(1.5, 6, 2))
    assert 1.4 < slower.ratio < 1.6 and slower.ci_low > 1.1
    assert judged(processes(1.0, 6, 1), processes(1.5, 6, 2)) == "slower"
    assert judged(processes(1.0, 6, 1), processes(0.6, 6, 2)) == "faster"
    # a real 5% change, resolved, but below the 10% threshold
    assert judged(processes(1.0, 8, 1, 0.005), processes(1.05, 8, 2, 0.005)) == "unchanged"
    assert judged(processes(1.0, 8, 1, 0.005), processes(1.05, 8, 2, 0.005), threshold=0.02) == (
        "slower"
    )
    # processes 10% apart cannot resolve a 20% change among 300 benchmarks
    assert judged(processes(1.0, 5, 1, 0.1), processes(1.2, 5, 2, 0.1), tests=300) == (
        "below resolution"
    )
    assert judged([1.0], [2.0]) == "below resolution"  # one process a side: no noise estimate
    # three processes a side, wholly apart: p = 0.1 at best, never a verdict
    assert judged([1.0, 1.01, 1.02], [3.0, 3.01, 3.02]) == "below resolution"


def test_many_benchmarks_at_once_get_the_p_of_each_alone() -> None:
    from scipy.stats import mannwhitneyu

    rng = random.Random(3)
    pairs = [
        (processes(1.0, k_a, rng.randrange(10**6), 0.2), processes(1.1, k_b, rng.randrange(10**6)))
        for k_a, k_b in [(5, 5), (5, 5), (10, 10), (3, 4), (1, 5), (10, 10), (20, 19)]
    ]
    batched = stats.process_tests(pairs)
    for (a, b), test in zip(pairs, batched, strict=True):
        if min(len(a), len(b)) < stats.MIN_PROCESSES:
            assert math.isnan(test.p_value)
            continue
        alone = mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue
        assert test.p_value == pytest.approx(alone, rel=1e-12)
        assert (test.processes_a, test.processes_b) == (len(a), len(b))


def test_processes_needed_grow_with_the_benchmarks_compared() -> None:
    assert stats.smallest_p(3, 3) == pytest.approx(0.1)
    assert stats.processes_needed(1) == 5
    assert stats.processes_needed(4) == 6
    assert stats.processes_needed(300) == 10


def test_a_side_whose_processes_disagree_is_unstable_unless_the_sides_are_apart() -> None:
    # processes lucky or not (a busy core): half of B's are 1.6x slower than the others
    assert judged(processes(1.0, 6, 1), [1.0, 1.6, 1.01, 1.6, 0.99, 1.61]) == "unstable"
    # one stray process is no disagreement: the spread is robust, and the range is not used
    test = stats.process_test(processes(1.0, 10, 1), [2.0] + processes(1.0, 9, 2))
    assert max(test.spread_a, test.spread_b) < stats.UNSTABLE_SPREAD
    assert judged([1.0, 1.6, 1.1, 1.05, 1.1], [5.0, 5.2, 5.1, 5.1, 5.0]) == "slower"
    # the spread does not grow with the number of processes, as a range would
    few, many = (
        stats.process_test(processes(1, k, 3, 0.1), processes(1, k, 4, 0.1)) for k in (5, 40)
    )
    assert abs(few.spread_a - many.spread_a) < 0.05 and many.spread_a < stats.UNSTABLE_SPREAD


def test_a_shift_one_process_shows_and_its_repeat_does_not_is_no_verdict() -> None:
    assert judged([1.0, 1.02, 1.01, 1.0, 1.01], [1.0, 1.45, 1.01, 1.02, 1.0]) != "slower"


def test_holm_adjusts_the_smallest_p_by_the_number_of_tests() -> None:
    adjusted = stats.holm([0.01, 0.04, 0.03, math.nan])
    assert adjusted[0] == pytest.approx(0.03)
    assert adjusted[2] == pytest.approx(0.06)
    assert adjusted[1] == pytest.approx(0.06)  # never below an earlier step's
    assert math.isnan(adjusted[3])


def _catalogue_alarms(rng: random.Random, catalogues: int, benchmarks: int, k: int) -> int:
    """A/A catalogues where each process is lucky or not for all its benchmarks at once (a busy
    core), plus 10% noise of its own per benchmark: how many gave any verdict."""
    alarms = 0
    for _ in range(catalogues):
        luck_a = [rng.choice((1.0, 1.6)) for _ in range(k)]
        luck_b = [rng.choice((1.0, 1.6)) for _ in range(k)]
        tests = stats.process_tests(
            [
                (
                    [luck * math.exp(rng.gauss(0, 0.1)) for luck in luck_a],
                    [luck * math.exp(rng.gauss(0, 0.1)) for luck in luck_b],
                )
                for _ in range(benchmarks)
            ]
        )
        adjusted = stats.holm([t.p_value for t in tests])
        verdicts = [
            stats.verdict(t, p, stats.resolution(t, benchmarks))
            for t, p in zip(tests, adjusted, strict=True)
        ]
        alarms += any(v in ("slower", "faster") for v in verdicts)
    return alarms


def test_identical_code_gives_a_false_verdict_in_at_most_1_in_100_catalogues() -> None:
    """300 synthetic A/A catalogues of 46 benchmarks (the A/A test's), 5 processes a side,
    processes lucky or unlucky for every benchmark at once: fixed seed, so the count is exact and
    cannot flake. Student's t on the logs, tried first, gave a verdict in 9 of 300 such catalogues
    with 3 processes a side (another seed), 3 times the promise."""
    alarms = _catalogue_alarms(random.Random(20261123), 300, 46, 5)
    assert alarms <= 3  # Holm at ALPHA = 0.01: at most 1 in 100


def test_a_planted_25_percent_slowdown_is_the_only_verdict_given_enough_processes() -> None:
    """One benchmark 1.25x slower among 300, 10 processes a side with 5% process noise."""
    rng = random.Random(7)
    found = []
    for i in range(300):
        a = [math.exp(rng.gauss(0, 0.05)) for _ in range(10)]
        b = [(1.25 if i == 17 else 1.0) * math.exp(rng.gauss(0, 0.05)) for _ in range(10)]
        found.append(stats.process_test(a, b))
    adjusted = stats.holm([t.p_value for t in found])
    verdicts = [
        stats.verdict(t, p, stats.resolution(t, 300)) for t, p in zip(found, adjusted, strict=True)
    ]
    assert [i for i, v in enumerate(verdicts) if v in ("slower", "faster")] == [17]
    assert verdicts[17] == "slower"
    assert set(verdicts) <= {"slower", "unchanged", "below resolution"}


@pytest.mark.servers
@pytest.mark.alone  # a verdict on the machine's times
def test_a_a_comparison_reports_no_significant_change(tmp_path: Path) -> None:
    done = compare(
        "HEAD",
        "HEAD",
        "--db",
        "sqlite",
        "--db",
        "postgresql",
        "--scale",
        "xs",
        "-k",
        "fk_access or iterator or columns",
        "--budget",
        "0",  # the 10 alternations a catalogue of hundreds needs, and no more
        results=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "SLOWER" not in done.stdout and " faster\n" not in done.stdout
    # "unstable" and "below resolution" are honest answers for identical code; a verdict is not
    tally = re.search(r"^\d+ benchmarks: (.*)$", done.stdout, re.MULTILINE)
    assert tally and "slower" not in tally.group(1) and "faster" not in tally.group(1), tally
    summary = next((tmp_path / "compare").glob("*/summary.md")).read_text()
    assert "No significant change" in summary
    # the exact co-metrics of identical code are identical, in every process and database
    assert "Exact figures (queries, rows, server work, SQL, plans): no change." in done.stdout
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2


@pytest.mark.servers
@pytest.mark.alone  # a verdict on the machine's times
def test_a_deliberate_slowdown_is_flagged_exactly_and_fails(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    module = scenario_module("fk_access", repo)
    source = module.read_text()
    slowed = source.replace(
        '    """One SELECT joining books to their authors."""\n',
        '    """One SELECT joining books to their authors."""\n'
        '    __import__("time").sleep(0.01)  # the deliberate regression\n',
    )
    assert slowed != source
    module.write_text(slowed)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-qam", "slow down select_related"], check=True)
    done = compare(
        "HEAD~1",
        "HEAD",
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "-k",
        "fk_access",
        "--alternations",
        "6",  # 4 benchmarks: 6 processes a side let each reach p < 0.01 / 4
        "--budget",
        "0",
        cwd=repo,
        results=tmp_path / "results",
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    flagged = sorted(
        line.split()[0] for line in done.stdout.splitlines() if line.endswith("SLOWER")
    )
    assert flagged == [
        "sqlite/fk_access/select_related/n=10",
        "sqlite/fk_access/select_related/n=100",
    ]
    assert "significant regressions" in done.stderr
    report_only = compare(
        *(str(p) for p in sorted((tmp_path / "results" / "runs").glob("*"))),
        "--report-only",
        results=tmp_path / "results",
    )
    assert report_only.returncode == 0


DROP_LANGUAGE_INDEX = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("models_app", "{latest}")]
    operations = [migrations.RemoveIndex(model_name="book", name="book_language_idx")]
"""


@pytest.mark.servers
def test_a_dropped_index_is_reported_as_a_plan_change_in_its_own_database(tmp_path: Path) -> None:
    """B drops an index (same rows returned): the plan change is a fact, whatever the timing
    says with two processes a side; B migrated a database of its own, not A's."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    models = repo / "ormbench" / "catalogue" / "models_app" / "models.py"
    line = '            models.Index(fields=["language"], name="book_language_idx"),\n'
    assert line in models.read_text()
    models.write_text(models.read_text().replace(line, ""))
    migrations = repo / "ormbench" / "catalogue" / "models_app" / "migrations"
    latest = max(p.stem for p in migrations.glob("[0-9][0-9][0-9][0-9]_*.py"))
    (migrations / f"{int(latest[:4]) + 1:04d}_drop_language_index.py").write_text(
        DROP_LANGUAGE_INDEX.format(latest=latest)
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "drop the language index"], check=True)
    done = compare(
        "HEAD~1",
        "HEAD",
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "-k",
        "aggregate_conditional",
        "--alternations",
        "2",
        "--budget",
        "0",
        cwd=repo,
        results=tmp_path / "results",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    changed = [line for line in done.stdout.splitlines() if "/count_per_language/" in line]
    plans = [line for line in changed if ": plan " in line]
    assert len(plans) == 2, done.stdout[-3000:]  # n=10 and n=100
    for line in plans:
        before, after = line.split(": plan ", 1)[1].split(" -> ")
        assert "book_language_idx" in before and "book_language_idx" not in after, line
    assert "SLOWER" not in done.stdout  # two processes a side can give no timing verdict
    runs = sorted((tmp_path / "results" / "runs").glob("*.json"))
    names = sorted(
        json.loads(r.read_text())["ormbench"]["databases"]["sqlite"]["display"] for r in runs
    )
    # each side in a database of its own, made the same way (the server's own stays unused)
    assert names[0].endswith(".sqlite3_a") and names[1].endswith(".sqlite3_b"), names


@pytest.mark.servers
def test_runs_under_two_django_versions_compare(tmp_path: Path) -> None:
    """One run under Django 4.2 (its own venv, built by the suite), one under the suite's own:
    the stored runs record each, and comparing them names both and warns."""
    args = ["--db", "sqlite", "--scale", "xs", "--rounds", "1", "-k", "fk_access or prefetch"]
    args.append("--no-report")
    old = bench(*args, "--django", "4.2", results=tmp_path / "results", timeout=900)
    assert old.returncode == 0, old.stdout[-2000:] + old.stderr[-2000:]
    new = bench(*args, results=tmp_path / "results")
    assert new.returncode == 0, new.stdout[-2000:]
    runs = sorted((tmp_path / "results" / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    docs = [json.loads(p.read_text()) for p in runs]
    versions = [d["ormbench"]["environment"]["django"] for d in docs]
    assert versions[0].startswith("4.2.") and not versions[1].startswith("4.2")
    assert docs[0]["ormbench"]["environment"]["django_spec"] == "4.2"
    assert docs[0]["ormbench"]["databases"]["sqlite"]["django"]["version"] == versions[0]
    done = compare(*map(str, runs), "--report-only", results=tmp_path / "results")
    assert done.returncode == 0, done.stderr
    assert f"Django {versions[0]}" in done.stdout and f"Django {versions[1]}" in done.stdout
    assert "warning: Django" in done.stdout


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("9.9.9", "no such Django release on PyPI"),
        ("3.2", "the suite runs Django 4.2 or later"),
        ("/no/such/checkout", "names no release on PyPI"),
        ("nonsense@main", "names no release on PyPI"),
    ],
)
def test_a_django_that_names_nothing_is_one_line_before_any_server(
    spec: str, said: str, tmp_path: Path
) -> None:
    folders = set(ormbench_folders())
    done = in_process("run", "--django", spec, "--db", "postgresql", f"--results={tmp_path}")
    assert done.returncode == 1
    assert said in done.stderr and done.stderr.count("\n") == 1
    assert set(ormbench_folders()) == folders, "no server was started"


def test_a_revision_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    done = in_process("compare", "no-such-revision-zz", "HEAD", f"--results={tmp_path}")
    assert done.returncode == 1
    assert "no such git revision 'no-such-revision-zz'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_budget_adds_whole_pairs_while_the_time_lasts() -> None:
    from ormbench.parent.request import Process, Schedule

    first = [Process(f"p{i}") for i in range(4)]
    fixed = Schedule(first)
    assert [fixed.process(i, 1e9) for i in range(4)] == first
    assert fixed.process(4, 0.0) is None
    budget = Schedule(first, lambda i: Process(f"more{i}"), budget_seconds=100.0)
    assert budget.process(3, 1e9) == first[3]  # the alternations asked for always run
    # 10 s a process so far: a pair takes 20 s, and starts only if it ends within the budget
    assert budget.process(4, 40.0) == Process("more4")
    assert budget.process(5, 99.0) == Process("more5")  # a pair is never cut in half
    assert budget.process(8, 80.0) == Process("more8")
    assert budget.process(10, 100.0) is None


def test_processes_at_once_pair_the_sides_and_never_share_a_database() -> None:
    from ormbench.parent.request import Process, Schedule

    a, b = Process("a", database_suffix="_a"), Process("b", database_suffix="_b")
    paired = Schedule([a, b, b, a], at_once=2)
    assert [paired.batch(i, 0.0) for i in (0, 2, 4)] == [[a, b], [b, a], []]
    assert Schedule([a, b]).batch(0, 0.0) == [a]  # one at a time unless asked
    # a write's restore would show in the other process: the batch ends before a second "a"
    same = Schedule([a, a, b], at_once=2)
    assert same.batch(0, 0.0) == [a] and same.batch(1, 0.0) == [a, b]


def test_a_batchs_workers_run_together_and_a_failed_start_stops_those_started(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from ormbench.errors import BenchError
    from ormbench.parent import run, workers
    from ormbench.parent.request import Process

    events: list[str] = []
    live: list[subprocess.Popen[bytes]] = []

    def start(*args: Any, **kwargs: Any) -> tuple[None, subprocess.Popen[bytes]]:
        label = args[3].label
        if label == "broken":
            raise BenchError("cannot start")
        live.append(subprocess.Popen(["sleep", "30"]))
        events.append(f"start {label}")
        return None, live[-1]

    def finish(request: Any, db: Any, spec: Any, proc: subprocess.Popen[bytes]) -> workers.Piece:
        events.append(f"finish, {sum(p.poll() is None for p in live)} running")
        proc.terminate()
        proc.wait()
        return workers.Piece({"database": db.name})

    monkeypatch.setattr(workers, "start", start)
    monkeypatch.setattr(workers, "finish", finish)
    db: Any = SimpleNamespace(name="sqlite")
    runs = [(tmp_path / label, db, Process(label)) for label in ("a", "b")]
    pieces = run._run_behind(None, runs, None)  # type: ignore[arg-type]
    assert events == ["start a", "start b", "finish, 2 running", "finish, 1 running"]
    assert [piece.meta for piece in pieces] == [{"database": "sqlite"}] * 2
    live.clear()
    with pytest.raises(BenchError):
        run._run_behind(None, [runs[0], (tmp_path / "c", db, Process("broken"))], None)
    [started] = live
    assert started.wait(5) == -15  # stopped (SIGTERM), not left running


def _side(medians: list[float], normalized: list[float], cpu_share: float) -> Run:
    entry = factory.benchmark(
        rounds=medians,
        cpu_share=cpu_share,
        process_medians=medians,
        process_normalized=normalized,
    )
    return factory.run([entry])


def test_process_figures_are_in_machine_speed_units_only_where_the_cpu_carried_the_call() -> None:
    # as timed, B looks 1.5x slower (its processes met a slow spell); per unit of the machine's
    # speed, nothing changed
    timed_a, timed_b = processes(1.0, 10, 1), processes(1.5, 10, 2)
    speed_a, speed_b = processes(5.0, 10, 3), processes(5.0, 10, 4)
    cpu_bound = compare_runs(_side(timed_a, speed_a, 0.95), _side(timed_b, speed_b, 0.9))
    assert cpu_bound[0].verdict == "unchanged" and abs(cpu_bound[0].ratio - 1) < 0.05
    # a commit loop waiting on fsync on one side: the times are compared as timed
    waiting = compare_runs(_side(timed_a, speed_a, 0.95), _side(timed_b, speed_b, 0.3))
    assert waiting[0].verdict == "slower" and abs(waiting[0].ratio - 1.5) < 0.05


def _django_checkouts(folder: Path) -> tuple[Path, list[str]]:
    """A git repository holding Django 5.2.x at its first commit and 6.0.x at its second,
    from the release sdists on PyPI."""
    sdists, repo = folder / "sdists", folder / "django"
    # the base interpreter has pip; a venv made by uv (nox's) has none
    base = Path(sys.base_prefix) / "bin" / "python3"
    pip = [str(base), "-m", "pip", "download", "-q", "--no-deps", "--ignore-requires-python"]
    for release in ("5.2.*", "6.0.*"):
        done = subprocess.run(
            [*pip, "--no-binary", ":all:", f"django=={release}", "-d", str(sdists / release[0])],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    who = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    commits = []
    for release in ("5", "6"):
        for old in repo.iterdir():
            if old.name != ".git":
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        [archive] = (sdists / release).glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(folder / release, filter="data")
        [unpacked] = (folder / release).iterdir()
        for item in unpacked.iterdir():
            shutil.move(str(item), repo / item.name)
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
        subprocess.run(["git", "-C", str(repo), *who, "commit", "-qm", archive.name], check=True)
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True)
        commits.append(head.stdout.decode().strip())
    return repo, commits


@pytest.mark.servers
def test_two_django_commits_compare_on_two_databases(tmp_path: Path) -> None:
    repo, (first, second) = _django_checkouts(tmp_path)
    done = compare(
        "--django", f"{repo}@{first}", "--django", f"{repo}@{second}",
        "--db", "sqlite", "--db", "postgresql", "--scale", "xs", "-k", "fk_access",
        "--alternations", "2", "--budget", "0", "--report-only",
        results=tmp_path / "results",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "A = Django 5.2." in done.stdout and f"({first[:10]})" in done.stdout
    assert "B = Django 6.0." in done.stdout and f"({second[:10]})" in done.stdout
    table = [line for line in done.stdout.splitlines() if "/fk_access/" in line]
    assert {line.split("/")[0] for line in table} == {"sqlite", "postgresql"}
    runs = [json.loads(p.read_text()) for p in (tmp_path / "results" / "runs").glob("*.json")]
    assert {r["ormbench"]["environment"]["django_commit"] for r in runs} == {first, second}
    assert {r["ormbench"]["merged_from"] for r in runs} == {2}


def test_a_step_far_beyond_the_processes_spread_is_judged_despite_it() -> None:
    # a 2.5x step among processes that vary by a third (this VM in a slow spell): the whole
    # interval lies beyond twice the spread, which no instability could make
    noisy = [math.exp(x / 10) for x in (-4, -3, -2, -1, 0, 0, 1, 2, 3, 4)]  # spread 0.3
    a, b = noisy, [2.5 * v for v in noisy]
    test = stats.process_test(a, b)
    assert test.spread_a > stats.UNSTABLE_SPREAD and min(b) < max(a) * stats.APART
    assert test.apart and judged(a, b) == "slower"
    # the same spread and a 1.3x step stays unstable: it is within what the noise can do
    assert judged(a, [1.3 * v for v in noisy]) == "unstable"


def test_a_later_process_that_measured_nothing_is_left_out_not_the_comparison(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ormbench.errors import BenchError
    from ormbench.parent.revisions import pool

    def process(median: float) -> Any:
        return factory.run([factory.benchmark("v", rounds=[median])])

    crashed = factory.run([], databases={"sqlite": {"error": "worker exited with status -9"}})
    # A B B A A B: the second B crashed; the first of each side checked every variant.
    pooled = pool([process(1.0), process(2.0), crashed, process(1.1), process(1.2), process(2.1)])
    assert len(pooled["a"].benchmarks[0].process_medians) == 3
    assert len(pooled["b"].benchmarks[0].process_medians) == 2
    said = capsys.readouterr().out
    assert "process 3 (b) measured nothing, left out: sqlite: worker exited" in said
    with pytest.raises(BenchError, match="process 2 measured nothing"):
        pool([process(1.0), crashed])
