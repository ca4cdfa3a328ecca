"""Benchmark two git revisions on this machine, alternating, each in a temporary worktree.

The runs go A B B A (then A B again for more alternations): slow drift of a noisy machine, a
warming disk or a neighbour's job, then weighs on both sides alike. Each side's runs are pooled
into one stored run, so the comparison reads two ordinary results files.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import store
from bench.compare import merge_runs
from bench.errors import BenchError

WORKTREE_PREFIX = "ormbench_compare_"


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


def run_revisions(
    revision_a: str, revision_b: str, bench_args: Sequence[str], results: Path, alternations: int
) -> tuple[Path, Path]:
    """Run the same selection on both revisions; return the two pooled, stored runs."""
    commits = {"a": resolve(revision_a), "b": resolve(revision_b)}
    store.ensure_writable(results)
    with tempfile.TemporaryDirectory(prefix=WORKTREE_PREFIX) as scratch:
        trees = {side: Path(scratch) / side for side in commits}
        try:
            for side, commit in commits.items():
                _git("worktree", "add", "--detach", str(trees[side]), commit)
            runs: dict[str, list[dict]] = {"a": [], "b": []}
            for i, side in enumerate(alternation(alternations)):
                label = revision_a if side == "a" else revision_b
                print(
                    f"== compare: run {i + 1} of {2 * alternations}: {label} "
                    f"({commits[side][:10]})",
                    flush=True,
                )
                runs[side].append(_one_run(trees[side], bench_args, Path(scratch) / f"r{i}"))
        finally:
            for tree in trees.values():
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(tree)], capture_output=True
                )
            _git("worktree", "prune")
    return store.save_run(merge_runs(runs["a"]), results), store.save_run(
        merge_runs(runs["b"]), results
    )


def _one_run(tree: Path, bench_args: Sequence[str], results: Path) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            *bench_args,
            "--no-report",
            "--results",
            str(results),
        ],
        cwd=tree,
    )
    newest = store.newest_runs(results, 1) if (results / store.RUNS_FOLDER).exists() else []
    if done.returncode not in (0, 1) or not newest:
        raise BenchError(f"the bench run in {tree.name} failed (exit {done.returncode})")
    return store.load_run(newest[0])


def _git(*args: str) -> None:
    done = subprocess.run(["git", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"git {args[0]} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
