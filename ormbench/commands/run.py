"""`run`: start servers, load the dataset, check and time every selected case, store the run,
print its table and summary, rebuild the report."""

from __future__ import annotations

import sys

from ormbench.declare import catalogue
from ormbench.parent import run
from ormbench.parent.request import RunRequest
from ormbench.present import summary, table
from ormbench.present.report.build import build


def main(request: RunRequest, report: bool = True) -> int:
    selected = catalogue.select(request.databases, request.scale, request.keyword, request.packages)
    print(
        f"{len(selected)} benchmarks on {', '.join(request.databases)} at scale {request.scale}",
        flush=True,
    )
    status, path, measured = run.execute(request, selected)
    print(table.render(measured))
    print(summary.render(measured))
    if path is not None:
        print(f"\nresults: {path}")
        if report:
            print(f"report:  {build(path, request.results)}")
    if path is None:
        print("\nFAILED: nothing was measured (see the lines above)", file=sys.stderr)
    elif status:
        print("\nFAILED: see the FAILED/INVALID lines above", file=sys.stderr)
    return status
