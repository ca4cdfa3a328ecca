"""`report [RUN]`: rebuild results/report/ from a stored run, the newest by default."""

from __future__ import annotations

import argparse
from pathlib import Path

from ormbench import store
from ormbench.errors import BenchError


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser("report", help="build results/report/ from a stored run")
    report.add_argument(
        "run", nargs="?", type=Path, help="a results/runs/*.json file (default: the newest)"
    )
    report.add_argument(
        "--results", type=Path, default=Path("results"), help="folder holding runs/"
    )
    report.set_defaults(handler=lambda args: main(args.run, args.results))


def main(run: Path | None, results: Path) -> int:
    if run is None:
        newest = store.newest_runs(results, 1)
        if not newest:
            raise BenchError(
                f"no stored run under {store.runs_dir(results)}: run `nox -s bench` first"
            )
        run = newest[0]
    from ormbench.present.report.build import build  # its charting libraries: see commands.run

    print(f"report: {build(run, results)}")
    return 0
