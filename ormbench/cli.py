"""What each Django ORM pattern costs on PostgreSQL, MySQL/MariaDB and SQLite.

`run` starts throwaway servers, loads a seeded dataset, checks every variant of every scenario
(same result and effect as the naive one, declared query count) and times it; `report` draws
the stored run; `compare` tells whether a commit made a pattern slower.
"""

# A user's mistake is a BenchError: caught once, in main(), and printed as one line. Each
# command owns its parser (`setup_arguments`, as asv's commands do) in `ormbench.commands`.

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from ormbench import project, store
from ormbench.commands import clean, compare, export, history, listing, perf, report, run
from ormbench.commands.options import Parser
from ormbench.errors import BenchError

EXIT_INTERRUPTED = 130
COMMANDS = (run, compare, report, history, perf, listing, export, clean)


# Options whose value may hold a password, and the variable each moves to (`_without_secrets`).
SECRET_OPTIONS = {"--db-url": "ORMBENCH_DB_URLS", "--store": "ORMBENCH_HISTORY_STORE"}


def _without_secrets(argv: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """`argv` without the values of SECRET_OPTIONS, and those values as environment variables
    (several URLs one per line, after any the environment held)."""
    kept: list[str] = []
    moved: dict[str, list[str]] = {}
    words = iter(argv)
    for word in words:
        option, equals, value = word.partition("=")
        if option in SECRET_OPTIONS and (equals or word == option):
            moved.setdefault(SECRET_OPTIONS[option], []).append(
                value if equals else next(words, "")
            )
        else:
            kept.append(word)
    # several --db-url add to those the environment held; a --store replaces it
    env = {
        name: "\n".join([*filter(None, [os.environ.get(name, "")]), *values])
        if name == "ORMBENCH_DB_URLS"
        else values[-1]
        for name, values in moved.items()
    }
    return kept, env


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        words, moved = _without_secrets(sys.argv[1:])
        if moved:  # a URL in argv is visible in `ps` for the whole run: start again without it
            os.execve(sys.executable, [sys.executable, "-m", "ormbench", *words],
                      {**os.environ, **moved})  # fmt: skip
    signal.signal(signal.SIGTERM, _interrupt)
    # A shell starts background jobs with SIGINT ignored, and Python keeps it so: a Ctrl-C sent
    # to the group would then leave the run going. Take it back, so it always stops cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = build_parser()
    try:
        args, rest = parser.parse_known_args(argv)
        if rest and not getattr(args, "run_args", False):
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        found, defaults = project.read(Path.cwd())
        project.use(found)
        _configured(parser, args, defaults, list(sys.argv[1:] if argv is None else argv))
        args.rest = rest
        args.argv = list(sys.argv[1:] if argv is None else argv)
        return int(args.handler(args))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        kept = ", ".join(map(str, store.SAVED)) or "none (no partial results written)"
        print(f"interrupted: servers stopped; runs stored: {kept}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _configured(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    defaults: dict[str, Any],
    argv: Sequence[str],
) -> None:
    """The project's [tool.ormbench] values for the options the command line did not give:
    flags win over the file (a flag given its default value too)."""
    command = parser._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr,index]
    flags = {a.dest: a.option_strings for a in command._actions if a.option_strings}
    for dest, value in defaults.items():
        given = any(w == f or w.startswith(f"{f}=") for f in flags.get(dest, ()) for w in argv)
        if dest in flags and not given:
            setattr(args, dest, value)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ormbench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="`ormbench COMMAND --help` tells more; nox -s bench runs `run`.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.setup_arguments(commands)
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops its server."""
    raise KeyboardInterrupt


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("django-ormbench")
    except PackageNotFoundError:  # a checkout on the path, not installed
        return "unknown"
