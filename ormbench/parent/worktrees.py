"""Temporary git worktrees: a commit checked out detached in a folder of the suite's own
(`servers.base.workspace`: marked with its owner, reaped if a run dies), removed on every exit
path with git's record of it, and only that record (`git worktree prune` would also forget the
user's own worktrees whose folders are missing)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ormbench.errors import BenchError
from ormbench.servers.base import OWN_NAME, workspace, workspace_root


@contextlib.contextmanager
def detached(repo: Path, commit: str, kind: str) -> Iterator[Path]:
    """`commit` of the repository at `repo` in a temporary worktree `<workspace>/tree`."""
    with workspace(kind) as scratch:
        tree = scratch / "tree"
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
    for record, path in records(repo):
        if path == tree:
            shutil.rmtree(record, ignore_errors=True)


def records(repo: Path) -> list[tuple[Path, Path]]:
    """git's records of the repository's worktrees: (record folder, worktree folder)."""
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
    )
    folder = Path(done.stdout.strip()) / "worktrees"
    if done.returncode != 0 or not folder.is_dir():
        return []
    found = []
    for gitdir in folder.glob("*/gitdir"):
        with contextlib.suppress(OSError):
            found.append((gitdir.parent, Path(gitdir.read_text().strip()).parent))
    return found


def forget_orphans(repo: Path) -> list[Path]:
    """git's records of worktrees the suite made in its own folders, now gone (a run was
    killed before it removed them): removed; the user's own are left alone."""
    gone = []
    for record, tree in records(repo):
        made_here = tree.parent.parent == workspace_root() and OWN_NAME.fullmatch(tree.parent.name)
        if made_here and tree.name == "tree" and not tree.exists():
            shutil.rmtree(record, ignore_errors=True)
            gone.append(tree)
    return gone
