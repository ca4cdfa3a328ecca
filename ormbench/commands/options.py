"""What a bench run measures and where: the options `run`, `compare` and `perf --spread` share,
and the one parser type every command uses."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ormbench.dataset import scales
from ormbench.declare.scenario import DEFAULT_PACKAGES
from ormbench.errors import BenchError
from ormbench.parent import djangos
from ormbench.servers import SOURCES, registry
from ormbench.servers.proxy import parse_latency

if TYPE_CHECKING:
    from ormbench.parent.request import RunRequest


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 1 like every other user error."""

    def error(self, message: str) -> NoReturn:
        raise BenchError(f"{message} (see `{self.prog} --help`)")


def add_run_options(run: argparse.ArgumentParser, django: bool = True) -> None:
    """What a bench run measures and where: shared by `run` and each side of `compare` (which
    takes two Djangos, not one: `django=False`)."""
    _add_where(run)
    _add_what(run, django)


def _add_where(run: argparse.ArgumentParser) -> None:
    """Where: the databases, their servers, the network between, the results folder."""
    run.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="NAME",
        help=", ".join(f"{b.name} ({b.help})" for b in registry.BACKENDS.values())
        + f"; repeat for several (default: {', '.join(registry.DEFAULT)})",
    )
    run.add_argument(
        "--db-url",
        action="append",
        default=[],
        metavar="URL",
        help="your own server: postgresql://user:pw@host:port/db or mysql://...",
    )
    run.add_argument(
        "--yes",
        dest="confirmed",
        action="store_true",
        help="load scale m or l into your --db-url server without asking",
    )
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
        "--machine",
        default=os.environ.get("ORMBENCH_MACHINE", ""),
        metavar="NAME",
        help="the machine's name in the history, e.g. a CI runner's label (default: "
        "$ORMBENCH_MACHINE, else the host name and CPU; a hosted runner's host name changes "
        "every job)",
    )
    run.add_argument(
        "--latency",
        help="round-trip delay(s) added by a TCP proxy in front of each server, e.g. 2ms or "
        "0,0.5ms,2ms (0 still goes through the proxy; default: direct connection)",
    )


def _add_what(run: argparse.ArgumentParser, django: bool) -> None:
    """What: the data, the cases, how they are measured, under which Django."""
    run.add_argument(
        "--scale",
        default="s",
        help=f"dataset size: {', '.join(scales.SCALES)} (about "
        f"{', '.join(scales.ROWS_ABOUT.values())} rows; default: s)",
    )
    run.add_argument(
        "-k",
        dest="keyword",
        help="pytest -k expression over case ids (<database>-<scenario>-<variant>-n<n>)",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=scales.DEFAULT_SEED,
        help="dataset seed: same seed, same rows, same checksum (default: %(default)s)",
    )
    run.add_argument("--rounds", type=int, help="fixed rounds per benchmark (default: calibrated)")
    run.add_argument(
        "--scenarios",
        action="append",
        metavar="PACKAGE",
        help="package of scenario modules (default: the bundled catalogue); repeatable",
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
    if django:
        run.add_argument(
            "--django",
            metavar="SPEC",
            help="the Django to run under: a release on PyPI from 4.2 (6.0, 5.2.8), a checkout's "
            "path, or PATH@REF; built in a venv of its own with a Python it supports",
        )


def run_options_given(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The run options given other values than their defaults (on a command line that has
    no run to apply them to)."""
    probe = Parser(add_help=False)
    add_run_options(probe)
    return [
        action.option_strings[0]
        for action in probe._actions
        if action.dest not in ("results", "machine", "confirmed")
        and getattr(args, action.dest, None) != parser.get_default(action.dest)
    ]


def request_from(args: argparse.Namespace) -> RunRequest:
    """Everything the user typed, validated before any server starts."""
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
        django=djangos.prepare(args.django) if getattr(args, "django", None) else None,
        measure=args.measure,
        machine=args.machine,
        confirmed=args.confirmed,
    )
