"""`perf`: how fast the suite itself is at a scale (`parent.perf`), the run-to-run spread of
its medians (`--spread RUNS`, run options following), or the history at scale (`--history`)."""

from __future__ import annotations

import argparse

from ormbench.commands.options import Parser, add_run_options, request_from
from ormbench.errors import BenchError


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    perf = commands.add_parser("perf", help="how fast the suite itself is at a scale")
    perf.add_argument("--scale", default="l", help="dataset scale to measure at (default: l)")
    perf.add_argument(
        "--spread",
        type=int,
        metavar="RUNS",
        help="instead: time the same code RUNS times (bench options follow, e.g. --db sqlite) "
        "and print the run-to-run spread of the medians",
    )
    perf.add_argument(
        "--history",
        metavar="COMMITSxBENCHMARKS",
        help="instead: time the history (import, changes, site) on generated runs, e.g. 1000x700",
    )
    perf.set_defaults(handler=handle, run_args=True)


def handle(args: argparse.Namespace) -> int:
    from ormbench.parent import perf

    if args.history:
        from ormbench.parent import perf_history as scale

        commits, _, benchmarks = args.history.partition("x")
        if not (commits.isdigit() and benchmarks.isdigit()):
            raise BenchError(
                f"--history takes COMMITSxBENCHMARKS, e.g. 1000x700, not {args.history!r}"
            )
        return scale.measure(int(commits), int(benchmarks))
    if args.spread is None:
        if args.rest:
            raise BenchError(f"unrecognized arguments: {' '.join(args.rest)} (without --spread)")
        return perf.main(args.scale)
    if args.spread < 2:
        raise BenchError("--spread needs 2 runs or more")
    runs = Parser(prog="ormbench perf --spread RUNS", add_help=False)
    add_run_options(runs)
    return perf.spread_of_runs(
        request_from(runs.parse_args([*args.rest, "--scale", args.scale])), args.spread
    )
