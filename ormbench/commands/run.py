"""`run`: start servers, load the dataset, check and time every selected case, store the run,
print its table and summary, rebuild the report."""

from __future__ import annotations

import argparse
import sys
import time

from ormbench import store
from ormbench.commands.options import add_run_options, request_from
from ormbench.declare import catalogue
from ormbench.parent import run
from ormbench.parent.request import RunRequest
from ormbench.present import exports, numbers, summary, table


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = commands.add_parser("run", help="start servers, load the dataset, time every scenario")
    add_run_options(run)
    run.add_argument("--no-report", action="store_true", help="do not rebuild results/report/")
    run.add_argument(
        "--commits",
        metavar="A..B",
        help="measure each commit of the range in a worktree, for the history (commits already "
        "measured here with the same options are skipped; Ctrl-C, then again, resumes)",
    )
    run.add_argument(
        "--every", type=int, default=1, metavar="N", help="with --commits: every N-th commit"
    )
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.commits:
        from ormbench.parent.backfill import backfill

        return backfill(request_from(args), args.commits, args.every)
    return main(request_from(args), report=not args.no_report)


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
            # Imported here: the report's charting libraries take a second or two to import,
            # which `--help`, a refused option or a run with --no-report need not pay.
            from ormbench.present.report.build import build

            began = time.perf_counter()
            page = build(path, request.results)
            print(f"report:  {page} (built in {numbers.seconds(time.perf_counter() - began)})")
        if store.append_job_summary(exports.run_summary(measured)):
            print("job summary: $GITHUB_STEP_SUMMARY")
    if path is None:
        print("\nFAILED: nothing was measured (see the lines above)", file=sys.stderr)
    elif status:
        print("\nFAILED: see the FAILED/INVALID lines above", file=sys.stderr)
    return status
