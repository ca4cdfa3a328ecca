"""Benchmark two git revisions on this machine, alternating, each in a temporary worktree.

Per database one server is started and loaded once; worker processes of the two revisions then take
turns against it, A B B A A B B A ...: slow drift of a noisy machine, a warming disk or a
neighbour's job weighs on both sides alike. Processes are the samples of the comparison
(`ormbench.analysis.stats`), so they are many and short: a side's first process checks every variant
and measures memory; its later ones only time (`Policy.timing_only`), with less timed work each.
Each side's processes are pooled into one stored run, so the comparison reads two ordinary results
files.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ormbench import project, results, store
from ormbench.errors import BenchError
from ormbench.parent import counted, worktrees
from ormbench.parent.djangos import DjangoEnv
from ormbench.parent.request import Process, RunRequest, Schedule
from ormbench.parent.run import execute_counted
from ormbench.protocol import Policy
from ormbench.results import Run

# Timed work per benchmark in each process of a comparison: a tenth of a plain run's, and one
# round of a slow call; the process medians, not the rounds, are the samples, and more
# processes buy more than more rounds.
PROCESS_TARGET_SECONDS = 0.02
# Processes a side that count instructions. One: processes of the same code count the same
# sequence of calls to within 0.01-0.3% (ASLR off, the same hash seed and environment size),
# while one process's calls vary by 0.2-3%; the floor is measured from those calls.
COUNTING_PROCESSES = 1
# Timed processes that run together when the counts decide (--measure instructions), a pair of
# an A and a B, each in its side's database: the time is context there, and both sides are timed
# under the same load at the same moment. One at a time, the first database's timed processes
# left a core idle (75 s of an 11-minute comparison of the catalogue).
TIMED_AT_ONCE = 2


def resolve(revision: str) -> str:
    """The commit a revision names; BenchError when git does not know it."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"no such git revision {revision!r} in {Path.cwd()}")
    return done.stdout.strip()


def alternation(rounds: int) -> list[str]:
    """A B B A A B B A ...: each side goes first as often as it goes second."""
    return [side for i in range(rounds) for side in (("a", "b") if i % 2 == 0 else ("b", "a"))]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: whose code (a checkout) and which Django (a venv) it runs."""

    label: str
    tree: Path | None = None  # None: this checkout
    django: DjangoEnv | None = None  # None: the Django installed beside the suite


def run_revisions(
    revision_a: str,
    revision_b: str,
    request: RunRequest,
    alternations: int,
    budget_seconds: float = 0.0,
) -> tuple[Path, Path]:
    """Run the same selection on both revisions; return the two pooled, stored runs. With a
    budget, more alternations follow the first ones while the time lasts."""
    commits = {"a": resolve(revision_a), "b": resolve(revision_b)}
    labels = {"a": revision_a, "b": revision_b}
    store.ensure_writable(request.results)
    with contextlib.ExitStack() as checkouts:
        sides = {
            side: Side(
                f"{labels[side]} ({commit[:10]})",
                checkouts.enter_context(
                    checkout(commit, labels[side], request.measure == "instructions")
                ),
            )
            for side, commit in commits.items()
        }
        return run_sides(sides, request, alternations, budget_seconds)


def run_djangos(
    django_a: DjangoEnv,
    django_b: DjangoEnv,
    request: RunRequest,
    alternations: int,
    budget_seconds: float = 0.0,
) -> tuple[Path, Path]:
    """The same suite commit under two Djangos (`ormbench.parent.djangos`), alternating as for two
    revisions; each side in a database of its own (their migrations may differ)."""
    store.ensure_writable(request.results)
    sides = {"a": Side(django_a.label, django=django_a), "b": Side(django_b.label, django=django_b)}
    return run_sides(sides, request, alternations, budget_seconds)


def run_sides(
    sides: dict[str, Side], request: RunRequest, alternations: int, budget_seconds: float
) -> tuple[Path, Path]:
    """Processes of sides a and b alternating against one server per database; the two pooled,
    stored runs."""

    # Each side in a database of its own, made the same way (the server's own database stays
    # unused): with side A in the server's database and B in one made beside it, SQLite's
    # writes counted 1.5% fewer instructions on B in an A/A of the whole catalogue.

    def process(i: int) -> Process:
        order = alternation(i // 2 + 1)
        side = order[i]
        return Process(
            sides[side].label,
            sides[side].tree,
            Policy(
                timing_only=side in order[:i],
                target_seconds=PROCESS_TARGET_SECONDS,
                min_rounds=1,
                flip=order[:i].count(side) % 2 == 1,
            ),
            database_suffix=f"_{side}",
            django=sides[side].django,
        )

    share = budget_seconds / len(request.databases) if budget_seconds else 0.0
    schedule = Schedule(
        [process(i) for i in range(2 * alternations)],
        process if budget_seconds else None,
        share,
        at_once=TIMED_AT_ONCE if request.measure == "instructions" else 1,
    )
    runs, counts = execute_counted(request, schedule, _counting(sides, request))
    pooled = pool(runs)
    for side, run in pooled.items():
        counted.attach(run, counts[side == "b" :: 2])
    return (
        store.save_run(pooled["a"], request.results),
        store.save_run(pooled["b"], request.results),
    )


def pool(runs: Sequence[Run]) -> dict[str, Run]:
    """Each side's processes (in alternation order) pooled into one run. A later process that
    measured nothing (it crashed, say) is left out in one line: one failure must not throw away
    what the others measured. A side's first process checked every variant: without it the
    side has nothing to stand on."""
    order = alternation(len(runs) // 2 + 1)
    kept: dict[str, list[Run]] = {"a": [], "b": []}
    for i, run in enumerate(runs):
        side = order[i]
        if run.benchmarks:
            kept[side].append(run)
            continue
        failures = "; ".join(
            f"{name}: {piece.get('error') or piece.get('skipped')}"
            for name, piece in run.meta.databases.items()
        )
        if not kept[side]:
            raise BenchError(f"process {i + 1} measured nothing ({failures})")
        print(f"== process {i + 1} ({side}) measured nothing, left out: {failures}", flush=True)
    return {side: results.merge(kept[side]) for side in "ab"}


def _counting(sides: dict[str, Side], request: RunRequest) -> list[Process]:
    """With --measure instructions, COUNTING_PROCESSES a side under callgrind, a and b in
    turn. Without the cache simulation: it multiplies the cost of a counted call by 2.5, and
    the verdicts read instructions (estimated cycles come with `run --measure instructions`)."""
    if request.measure != "instructions":
        return []
    return [
        Process(
            sides[side].label,
            sides[side].tree,
            Policy(timing_only=True, measure="instructions"),
            database_suffix=f"_{side}",
            django=sides[side].django,
        )
        for _ in range(COUNTING_PROCESSES)
        for side in "ab"
    ]


@contextlib.contextmanager
def checkout(commit: str, label: str, counting: bool = False) -> Iterator[Path]:
    """`commit` in a temporary git worktree, removed on every exit path; BenchError when its
    worker cannot take part in per-process runs."""
    with worktrees.detached(Path.cwd(), commit, "compare") as tree:
        _require_processes(tree, label, counting)
        yield tree


def _require_processes(tree: Path, label: str, counting: bool) -> None:
    """Worker processes of a comparison run the revision's own code: it must speak this
    protocol (`ormbench.protocol`: a spec passed one way, a worker that can skip the checks its
    side's first process made), and count instructions if asked to. A user's project runs on
    the installed suite's worker: only its own code comes from the revision."""
    if project.current().external:
        return
    if not (tree / "ormbench" / "protocol.py").exists():
        raise BenchError(
            f"revision {label!r} predates the worker protocol of per-process comparisons: run "
            "`nox -s bench` on it and compare the two stored run files instead"
        )
    if counting and not (tree / "ormbench" / "worker" / "counting.py").exists():
        raise BenchError(f"revision {label!r} predates --measure instructions: compare its time")
