"""`python -m bench run | list`: the command line. BenchError is caught here, once."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from bench import dataset
from bench.errors import BenchError
from bench.scenario import DEFAULT_PACKAGES
from bench.servers import SOURCES

EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 1 like every other user error."""

    def error(self, message: str) -> NoReturn:
        raise BenchError(f"{message} (see `{self.prog} --help`)")


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.handler(args))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: servers stopped, no partial results written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops its server."""
    raise KeyboardInterrupt


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="start servers, load the dataset, time every scenario")
    run.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="NAME",
        help="sqlite, postgresql or mysql; repeat for several (default: all)",
    )
    run.add_argument("--scale", default="s", help=f"dataset scale: {', '.join(dataset.SCALES)}")
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
    run.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
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
    run.add_argument("--results", type=Path, default=Path("results"))
    run.add_argument(
        "--scenarios",
        action="append",
        metavar="PACKAGE",
        help="package of scenario modules (default: scenarios); repeatable",
    )
    run.set_defaults(handler=_run)

    report = commands.add_parser("report", help="build results/report/ from a stored run")
    report.add_argument(
        "run", nargs="?", type=Path, help="a results/runs/*.json file (default: the newest)"
    )
    report.add_argument("--results", type=Path, default=Path("results"))
    report.set_defaults(handler=_report)

    listing = commands.add_parser("list", help="list scenarios and their variants")
    listing.add_argument("--scenarios", action="append", metavar="PACKAGE")
    listing.set_defaults(handler=_list)
    return parser


def _run(args: argparse.Namespace) -> int:
    from bench import catalogue, run
    from bench.report import table

    if args.rounds is not None and args.rounds < 1:
        raise BenchError("--rounds must be 1 or more")
    request = run.build_request(
        args.db,
        args.scale,
        args.db_url,
        seed=args.seed,
        keyword=args.keyword,
        rounds=args.rounds,
        no_fsync=args.no_fsync,
        results=args.results,
        packages=tuple(args.scenarios or DEFAULT_PACKAGES),
        sources=tuple(args.server or SOURCES),
    )
    selected = catalogue.select(request.databases, request.scale, request.keyword, request.packages)
    print(
        f"{len(selected)} benchmarks on {', '.join(request.databases)} at scale {request.scale}",
        flush=True,
    )
    status, path, doc = run.execute(request, selected)
    print(table.render(doc))
    if path is not None:
        print(f"\nresults: {path}")
        print(f"report:  {build_report(path, request.results)}")
    if path is None:
        print("\nFAILED: nothing was measured (see the lines above)", file=sys.stderr)
    elif status:
        print("\nFAILED: see the FAILED/INVALID lines above", file=sys.stderr)
    return status


def _report(args: argparse.Namespace) -> int:
    from bench import store

    run = args.run
    if run is None:
        newest = store.newest_runs(args.results, 1)
        if not newest:
            raise BenchError(
                f"no stored run under {store.runs_dir(args.results)}: run `nox -s bench` first"
            )
        run = newest[0]
    print(f"report: {build_report(run, args.results)}")
    return 0


def build_report(run: Path, results: Path) -> Path:
    from bench.report.build import build

    return build(run, results)


def _list(args: argparse.Namespace) -> int:
    from bench import catalogue

    for scenario in catalogue.scenarios(args.scenarios or DEFAULT_PACKAGES).values():
        print(f"{scenario.name}: {scenario.label}")
        for variant in scenario.variants:
            print(f"    {variant.role:<9} {variant.name}: {variant.label.splitlines()[0]}")
    return 0
