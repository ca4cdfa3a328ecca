"""`clean`: remove what runs killed without a chance to clean up left behind, and only what
carries the suite's own mark: servers and their folders (`/tmp/ormbench-*` with an owner file
whose process is gone), git's records of the suite's worktrees in this repository, venvs whose
build was cut short, and cache files written half-way."""

from __future__ import annotations

import argparse
from pathlib import Path

from ormbench.dataset import cache
from ormbench.parent import djangos, worktrees
from ormbench.servers.base import reap_orphans


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    clean = commands.add_parser(
        "clean", help="remove the servers, folders and files that killed runs left behind"
    )
    clean.set_defaults(handler=lambda args: main(Path.cwd()))


def main(repo: Path) -> int:
    found = {
        "server folder": reap_orphans(),
        "worktree record": worktrees.forget_orphans(repo),
        "unfinished venv": djangos.reap_unfinished(),
        "partial cache file": cache.reap_partial(),
    }
    for what, paths in found.items():
        for path in paths:
            print(f"removed {what}: {path}")
    total = sum(len(paths) for paths in found.values())
    print(f"clean: {total} left behind, removed" if total else "clean: nothing left behind")
    return 0
