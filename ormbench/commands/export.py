"""`export`: a stored run in a format another tool reads; today Bencher's Metric Format, which
`bencher run --adapter json --file FILE` tracks (time, instructions, queries, round trips)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ormbench import store
from ormbench.errors import BenchError
from ormbench.present import exports


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = commands.add_parser(
        "export",
        help="a stored run in Bencher's Metric Format (BMF JSON)",
        epilog="Invalid benchmarks are left out: a tracker would chart them as figures.",
    )
    export.add_argument("run", nargs="?", type=Path, help="run file (default: the newest)")
    export.add_argument("--format", choices=("bmf",), default="bmf", help="(default: bmf)")
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    export.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="where the runs are (default: results)",
    )
    export.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    path = args.run
    if path is None:
        newest = store.newest_runs(args.results, 1)
        if not newest:
            raise BenchError(f"no stored run in {store.runs_dir(args.results)}: run one first")
        path = newest[0]
    run = store.load_run(path)
    document = exports.bmf(run)
    if not document:
        raise BenchError(f"{path} holds no valid benchmark to export")
    text = json.dumps(document, indent=1) + "\n"
    if args.output is None:
        print(text, end="")
    else:
        store.write_export(args.output, text)
        left_out = len(run.benchmarks) - len(document)
        print(
            f"{len(document)} benchmarks in BMF: {args.output}"
            + (f" ({left_out} invalid left out)" if left_out else "")
        )
    return 0
