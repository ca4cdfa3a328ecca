"""`run --commits A..B`: measure a range of commits for the history, each in a worktree.

Each commit runs its own code, as `compare` runs a revision's: one server per database, then
PROCESSES worker processes of that commit against it, pooled into one stored run (so the history has
process figures to test a step with, `ormbench.analysis.history.detect`). A commit already measured
on this machine with the same settings is skipped, so a backfill stopped by Ctrl-C resumes where it
stopped when run again: every finished commit is a stored run.
"""

from __future__ import annotations

import platform
import subprocess
import time

from ormbench import results, store
from ormbench.errors import BenchError
from ormbench.parent import counted
from ormbench.parent.request import COUNTING, Process, RunRequest, Schedule
from ormbench.parent.revisions import checkout
from ormbench.parent.run import execute_counted
from ormbench.present import progress
from ormbench.protocol import Policy

PROCESSES = 5  # per commit: a step of 25% stands out of this machine's noise over 2+2 commits
# With --measure instructions the counts find the steps: one timed process (it checks every
# variant; its time is context) and one counting process per commit.
COUNTED_PROCESSES = 1


def commits_in(span: str, every: int = 1) -> list[str]:
    """The commits of `A..B` oldest first, every `every`-th one (the newest always)."""
    if ".." not in span or span.startswith("-"):
        raise BenchError(f"--commits takes a range A..B, not {span!r}")
    # --end-of-options: a range is never read as an option of git's (--output=FILE writes one).
    done = subprocess.run(
        ["git", "rev-list", "--reverse", "--first-parent", "--end-of-options", span],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"no such commit range {span!r}: {(done.stderr.splitlines() or ['?'])[0]}")
    commits = done.stdout.split()
    if not commits:
        raise BenchError(f"the range {span!r} holds no commit")
    if every < 1:
        raise BenchError("--every must be 1 or more")
    return commits[::-1][::every][::-1]  # counted back from the newest, which is always kept


def backfill(request: RunRequest, span: str, every: int = 1, processes: int = PROCESSES) -> int:
    """Measure every commit of the span not yet measured here; 1 when one failed."""
    commits = commits_in(span, every)
    store.ensure_writable(request.results)
    done = _measured(request)
    to_measure = sum(commit not in done for commit in commits)
    failed = measured = 0
    started = time.monotonic()
    for i, commit in enumerate(commits, 1):
        if commit in done:
            print(f"== commit {i}/{len(commits)} {commit[:10]}: measured already, skipped")
            continue
        where = progress.overall("measured", measured, to_measure, time.monotonic() - started)
        print(f"== commit {i}/{len(commits)} {commit[:10]} ({where})", flush=True)
        measured += 1
        counting = request.measure == "instructions"
        with checkout(commit, commit[:10], counting) as tree:
            timed = [
                Process(f"{commit[:10]}", tree, Policy(timing_only=k > 0, flip=k % 2 == 1))
                for k in range(COUNTED_PROCESSES if counting else processes)
            ]
            counter = [Process(commit[:10], tree, COUNTING)]
            runs, counts = execute_counted(request, Schedule(timed), counter if counting else [])
        if not all(run.benchmarks for run in runs):
            print(f"== commit {commit[:10]}: FAILED: a process measured nothing", flush=True)
            failed += 1
            continue
        merged = results.merge(runs)
        counted.attach(merged, counts)
        path = store.save_run(merged, request.results)
        print(f"== commit {commit[:10]}: {path}", flush=True)
    return 1 if failed else 0


def _measured(request: RunRequest) -> set[str]:
    """Commits with a stored run of the same settings on this machine."""
    wanted = _settings(request, platform.node())
    found = set()
    for path in store.runs_dir(request.results).glob("*.json"):
        try:
            run = store.load_run(path)
        except BenchError:
            continue
        if not run.commit.get("dirty") and _settings_of(run) == wanted:
            found.add(str(run.commit.get("id", "")))
    return found


def _settings(request: RunRequest, node: str) -> tuple[object, ...]:
    databases = tuple(sorted(request.databases))
    return (node, request.scale, request.seed, request.keyword, databases, request.measure)


def _settings_of(run: results.Run) -> tuple[object, ...]:
    meta = run.meta
    databases = tuple(sorted(meta.databases))
    return (run.machine.get("node"), meta.scale, meta.seed, meta.keyword, databases, meta.measure)
