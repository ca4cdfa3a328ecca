"""`clean`: remove what runs killed without a chance to clean up left behind, and only what
carries the suite's own mark: servers and their folders (`ormbench-*` in the temporary folder,
with an owner file whose process is gone), git's records of the suite's worktrees in this
repository, venvs whose build was cut short, cache files written half-way, Docker containers of
this host's dead runs, and, given the server's URL, the databases the ledger records the suite
making on a user's server (`ormbench.servers.url`), and in the results folder, reports and run
files whose writing was cut short (`ormbench.store`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ormbench import store
from ormbench.dataset import cache
from ormbench.parent import djangos, worktrees
from ormbench.servers import docker, registry
from ormbench.servers.base import ServerURL, reap_orphans
from ormbench.servers.url import forget, parse, recorded_left, shown


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    clean = commands.add_parser(
        "clean", help="remove the servers, folders and files that killed runs left behind"
    )
    clean.add_argument(
        "--db-url",
        action="append",
        default=[],
        metavar="URL",
        help="your server: drop the databases killed runs recorded making there (and only those)",
    )
    clean.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="the results folder whose half-built reports and run files to remove "
        "(default: results)",
    )
    clean.set_defaults(
        handler=lambda args: main(
            Path.cwd(), args.db_url + os.environ.get("ORMBENCH_DB_URLS", "").split(), args.results
        )
    )


def main(repo: Path, urls: Sequence[str] = (), results: Path = Path("results")) -> int:
    dropped = [_drop(line, server) for server in map(parse, urls)
               for line in recorded_left(server)]  # fmt: skip
    found: dict[str, list[Any]] = {
        "server folder": reap_orphans(),
        "container": docker.reap_orphans(),
        "worktree record": worktrees.forget_orphans(repo),
        "unfinished venv": djangos.reap_unfinished(),
        "partial cache file": cache.reap_partial(),
        "half-written result": store.reap_staging(results),
        "database on your server": dropped,
    }
    others = [line for line in recorded_left() if shown(line) not in dropped]
    for what, paths in found.items():
        for path in paths:
            print(f"removed {what}: {path}")
    for line in others:
        print(f"left on your server: {shown(line)} (give its --db-url to drop it)")
    total = sum(len(paths) for paths in found.values())
    print(f"clean: {total} left behind, removed" if total else "clean: nothing left behind")
    return 0


def _drop(line: dict[str, Any], server: ServerURL) -> str:
    """Drop one recorded database (IF EXISTS: a run may have dropped it before it died)."""
    backend = registry.backend(server.vendor)
    backend.administer(server, backend.drop_sql(line["database"]), create=False)
    forget(server, line["database"])
    return shown(line)
