"""`report [RUN]`: rebuild results/report/ from a stored run, the newest by default."""

from __future__ import annotations

from pathlib import Path

from ormbench import store
from ormbench.errors import BenchError
from ormbench.present.report.build import build


def main(run: Path | None, results: Path) -> int:
    if run is None:
        newest = store.newest_runs(results, 1)
        if not newest:
            raise BenchError(
                f"no stored run under {store.runs_dir(results)}: run `nox -s bench` first"
            )
        run = newest[0]
    print(f"report: {build(run, results)}")
    return 0
