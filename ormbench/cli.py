"""What each Django ORM pattern costs on PostgreSQL, MySQL/MariaDB and SQLite.

`run` starts throwaway servers, loads a seeded dataset, checks every variant of every scenario
(same result and effect as the naive one, declared query count) and times it; `report` draws
the stored run; `compare` tells whether a commit made a pattern slower.
"""

# A user's mistake is a BenchError: caught once, in main(), and printed as one line.

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from ormbench.analysis.stats import DEFAULT_THRESHOLD
from ormbench.dataset import tables as dataset
from ormbench.declare.scenario import DEFAULT_PACKAGES
from ormbench.errors import BenchError
from ormbench.parent import djangos
from ormbench.servers import SOURCES, registry
from ormbench.servers.proxy import parse_latency

if TYPE_CHECKING:
    from ormbench.parent.request import RunRequest

EXIT_INTERRUPTED = 130
# Processes are the samples of a comparison (analysis.stats): ten a side let any benchmark of a
# catalogue of up to 900 reach p < ALPHA under Holm's adjustment (five: a benchmark alone).
DEFAULT_ALTERNATIONS = 10
# More pairs while the time lasts: a whole catalogue at xs on two databases needs more than this
# for its 10 alternations already; a selection of a few dozen benchmarks gets 40 or more
# processes a side in it, and the resolution to see a 25% change on this noisy machine.
DEFAULT_BUDGET = 600.0
# With --measure instructions the counts decide and time is context: two timed processes a side
# (the first checks every variant; two give the time an interval), no budget.
COUNTED_ALTERNATIONS = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 1 like every other user error."""

    def error(self, message: str) -> NoReturn:
        raise BenchError(f"{message} (see `{self.prog} --help`)")


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    # A shell starts background jobs with SIGINT ignored, and Python keeps it so: a Ctrl-C sent
    # to the group would then leave the run going. Take it back, so it always stops cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = _build_parser()
    try:
        args, rest = parser.parse_known_args(argv)
        if rest and not getattr(args, "bench_args", False):
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        args.rest = rest
        args.argv = list(sys.argv[1:] if argv is None else argv)
        return int(args.handler(args))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: servers stopped, no partial results written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _duration(text: str) -> float:
    """'10m', '90s', '1h' or plain seconds, as seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 10m, 90s)") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"a budget cannot be negative: {text!r}")
    return seconds


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops its server."""
    raise KeyboardInterrupt


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("django-ormbench")
    except PackageNotFoundError:  # a checkout on the path, not installed
        return "unknown"


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ormbench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="`ormbench COMMAND --help` tells more; nox -s bench runs `run`.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="start servers, load the dataset, time every scenario")
    _add_run_options(run)
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
    run.set_defaults(handler=_run)

    compare = commands.add_parser(
        "compare",
        help="compare two git revisions (run here, alternating) or two stored run files",
        epilog="Other options (--db, --scale, -k, ...) go to each bench run of a revision.",
    )
    compare.add_argument("a", nargs="?", help="git revision or results/runs/*.json file")
    compare.add_argument("b", nargs="?", help="git revision or results/runs/*.json file")
    _add_compare_options(compare)
    compare.set_defaults(handler=_compare, bench_args=True)

    report = commands.add_parser("report", help="build results/report/ from a stored run")
    report.add_argument(
        "run", nargs="?", type=Path, help="a results/runs/*.json file (default: the newest)"
    )
    report.add_argument(
        "--results", type=Path, default=Path("results"), help="folder holding runs/"
    )
    report.set_defaults(handler=_report)

    history = commands.add_parser(
        "history", help="every stored run as series over commits: what changed, and a site"
    )
    history.add_argument(
        "--from",
        dest="sources",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also import the run files under DIR (other machines, CI artifacts); repeatable",
    )
    history.add_argument(
        "--store",
        metavar="URL",
        help="keep the index in this PostgreSQL (postgresql://...) instead of "
        "results/history.sqlite3",
    )
    history.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="smallest timing change worth reporting (default 0.10 = 10%%)",
    )
    history.add_argument(
        "--results", type=Path, default=Path("results"), help="folder holding runs/"
    )
    history.set_defaults(handler=_history)

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
    perf.set_defaults(handler=_perf, bench_args=True)

    listing = commands.add_parser("list", help="list scenarios and their variants")
    listing.add_argument("--scenarios", action="append", metavar="PACKAGE")
    listing.set_defaults(handler=_list)
    return parser


def _add_compare_options(compare: argparse.ArgumentParser) -> None:
    """The options of `compare` itself (the rest go to each side's bench processes)."""
    compare.add_argument(
        "--django",
        action="append",
        default=[],
        metavar="SPEC",
        help="instead of A and B: this suite under two Djangos, --django A --django B (a release "
        "such as 6.0, a checkout's path, or PATH@REF)",
    )
    compare.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="smallest change worth a verdict (default 0.10 = 10%%)",
    )
    compare.add_argument(
        "--alternations",
        type=int,
        help=f"A/B run pairs, in A B B A A B order (default {DEFAULT_ALTERNATIONS}; with "
        f"--measure instructions {COUNTED_ALTERNATIONS}: the time is context there)",
    )
    compare.add_argument(
        "--budget",
        type=_duration,
        metavar="TIME",
        help="after the --alternations, more A/B pairs while this much time lasts in all "
        "(e.g. 10m, 90s, 1h, 0 for none; split evenly between the databases; default 10m, "
        "none with --measure instructions)",
    )
    compare.add_argument(
        "--report-only",
        action="store_true",
        help="exit 0 even when a significant regression is found",
    )
    compare.add_argument(
        "--force", action="store_true", help="compare runs that are not comparable, with a warning"
    )
    compare.add_argument(
        "--results", type=Path, default=Path("results"), help="folder for runs/ and compare/"
    )


def _add_run_options(run: argparse.ArgumentParser) -> None:
    """What a bench run measures and where: shared by `run` and each side of `compare`."""
    run.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="NAME",
        help=", ".join(f"{b.name} ({b.help})" for b in registry.BACKENDS.values())
        + f"; repeat for several (default: {', '.join(registry.DEFAULT)})",
    )
    run.add_argument(
        "--scale",
        default="s",
        help="dataset size: xs, s, m or l (about 1 800, 18 000, 180 000, 1.8 million rows; "
        "default: s)",
    )
    run.add_argument(
        "-k",
        dest="keyword",
        help="pytest -k expression over case ids (<database>-<scenario>-<variant>-n<n>)",
    )
    run.add_argument(
        "--db-url",
        action="append",
        default=[],
        metavar="URL",
        help="your own server: postgresql://user:pw@host:port/db or mysql://...",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=dataset.DEFAULT_SEED,
        help="dataset seed: same seed, same rows, same checksum (default: %(default)s)",
    )
    run.add_argument("--rounds", type=int, help="fixed rounds per benchmark (default: calibrated)")
    run.add_argument(
        "--no-fsync",
        action="store_true",
        help="throwaway servers skip fsync: less noise, but commits cost less than "
        "on a real server (recorded in the results)",
    )
    run.add_argument(
        "--server",
        action="append",
        choices=SOURCES,
        help="where throwaway servers come from, tried in the order given "
        f"(default: {', '.join(SOURCES)})",
    )
    run.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="folder for runs/ and report/ (default: results)",
    )
    run.add_argument(
        "--scenarios",
        action="append",
        metavar="PACKAGE",
        help="package of scenario modules (default: scenarios); repeatable",
    )
    run.add_argument(
        "--latency",
        help="round-trip delay(s) added by a TCP proxy in front of each server, e.g. 2ms or "
        "0,0.5ms,2ms (0 still goes through the proxy; default: direct connection)",
    )
    run.add_argument(
        "--measure",
        choices=("time", "instructions"),
        default="time",
        help="time (default), or instructions as well: after the timing, every benchmark's "
        "instructions counted under valgrind's callgrind, deterministic where time is not "
        "(a comparison then gives its verdicts on the counts)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="pytest's own line per benchmark")
    run.add_argument(
        "--django",
        metavar="SPEC",
        help="the Django to run under: a release on PyPI from 4.2 (6.0, 5.2.8), a checkout's "
        "path, or PATH@REF; built in a venv of its own with a Python it supports",
    )


def _request(args: argparse.Namespace) -> RunRequest:
    from ormbench.parent import request

    if args.rounds is not None and args.rounds < 1:
        raise BenchError("--rounds must be 1 or more")
    if args.measure == "instructions":
        from ormbench.parent import callgrind

        callgrind.require()
    return request.build_request(
        args.db,
        args.scale,
        args.db_url + os.environ.get("ORMBENCH_DB_URLS", "").split(),
        seed=args.seed,
        keyword=args.keyword,
        rounds=args.rounds,
        no_fsync=args.no_fsync,
        results=args.results,
        packages=tuple(args.scenarios or DEFAULT_PACKAGES),
        sources=tuple(args.server or SOURCES),
        latencies=tuple(parse_latency(args.latency)) if args.latency else (None,),
        verbose=args.verbose,
        django=djangos.prepare(args.django) if args.django else None,
        measure=args.measure,
    )


def _run(args: argparse.Namespace) -> int:
    if args.commits:
        from ormbench.parent.backfill import backfill

        return backfill(_request(args), args.commits, args.every)
    from ormbench.commands import run

    return run.main(_request(args), report=not args.no_report)


def _report(args: argparse.Namespace) -> int:
    from ormbench.commands import report

    return report.main(args.run, args.results)


def _compare(args: argparse.Namespace) -> int:
    from ormbench.commands import compare

    sides = _Parser(prog="ormbench compare", add_help=False)
    _add_run_options(sides)
    request: RunRequest | None
    if args.django:
        # Without revisions, argparse took the first bench options' values for A and B: parse
        # again with no positional arguments.
        own = _Parser(prog="ormbench compare --django A --django B", add_help=False)
        _add_compare_options(own)
        args, rest = own.parse_known_args(args.argv[args.argv.index("compare") + 1 :])
        if len(args.django) != 2:
            raise BenchError("compare two Djangos as --django A --django B")
        request = _request(sides.parse_args([*rest, "--results", str(args.results)]))
        return compare.main(
            args.django[0],
            args.django[1],
            request,
            djangos=(djangos.prepare(args.django[0]), djangos.prepare(args.django[1])),
            **_schedule(args, request),
            threshold=args.threshold,
            force=args.force,
            report_only=args.report_only,
            results=args.results,
        )
    if args.a is None or args.b is None:
        raise BenchError("compare two revisions, two run files, or --django A --django B")
    is_file = [Path(x).suffix == ".json" or Path(x).is_file() for x in (args.a, args.b)]
    if all(is_file):
        if args.rest:
            raise BenchError(f"bench options {' '.join(args.rest)} apply to revisions, not files")
        request = None
    elif not any(is_file):
        request = _request(sides.parse_args([*args.rest, "--results", str(args.results)]))
    else:
        raise BenchError("compare two revisions or two run files, not one of each")
    return compare.main(
        args.a,
        args.b,
        request,
        **_schedule(args, request),
        threshold=args.threshold,
        force=args.force,
        report_only=args.report_only,
        results=args.results,
    )


def _schedule(args: argparse.Namespace, request: RunRequest | None) -> dict[str, Any]:
    """How many timed processes a comparison runs: as asked, else by what decides it."""
    counting = request is not None and request.measure == "instructions"
    alternations = args.alternations
    if alternations is None:
        alternations = COUNTED_ALTERNATIONS if counting else DEFAULT_ALTERNATIONS
    budget = args.budget
    if budget is None:
        budget = 0.0 if counting else DEFAULT_BUDGET
    return {"alternations": alternations, "budget_seconds": budget}


def _history(args: argparse.Namespace) -> int:
    from ormbench.commands import history

    store = args.store or os.environ.get("ORMBENCH_HISTORY_STORE") or None
    return history.main(args.results, args.sources, store, args.threshold)


def _perf(args: argparse.Namespace) -> int:
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
    runs = _Parser(prog="ormbench perf --spread RUNS", add_help=False)
    _add_run_options(runs)
    return perf.spread_of_runs(
        _request(runs.parse_args([*args.rest, "--scale", args.scale])), args.spread
    )


def _list(args: argparse.Namespace) -> int:
    from ormbench.commands import listing

    return listing.main(args.scenarios or DEFAULT_PACKAGES)
