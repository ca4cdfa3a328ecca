"""Temporary git worktrees: a commit checked out detached in a folder of its own, removed on
every exit path with git's record of it, and only that record (`git worktree prune` would also
forget the user's own worktrees whose folders are missing)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ormbench.errors import BenchError


@contextlib.contextmanager
def detached(repo: Path, commit: str, prefix: str, name: str) -> Iterator[Path]:
    """`commit` of the repository at `repo` in a temporary worktree `<tmp>/<name>`."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        tree = Path(scratch) / name
        git(repo, "worktree", "add", "--detach", str(tree), commit)
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
            )
            _forget(repo, tree)


def git(repo: Path, *args: str) -> None:
    """A git command in `repo`; BenchError with git's last line when it fails."""
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"git {args[0]} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")


def _forget(repo: Path, tree: Path) -> None:
    """Remove git's record of `tree` if `worktree remove` left it behind."""
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
    )
    records = Path(done.stdout.strip()) / "worktrees"
    if done.returncode != 0 or not records.is_dir():
        return
    for record in records.glob("*/gitdir"):
        with contextlib.suppress(OSError):
            if Path(record.read_text().strip()).parent == tree:
                shutil.rmtree(record.parent)
