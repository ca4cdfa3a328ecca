"""`compare A B`: two git revisions benchmarked here, alternating, or two stored run files;
verdicts printed, written for a pull request, and the exit status a CI gate reads."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ormbench import store
from ormbench.analysis.compare import Outcome, comparability, outcome
from ormbench.analysis.stats import DEFAULT_THRESHOLD
from ormbench.commands.options import add_run_options, request_from, run_options_given
from ormbench.errors import BenchError
from ormbench.parent import djangos as django_envs
from ormbench.parent import revisions
from ormbench.parent.djangos import DjangoEnv
from ormbench.parent.request import RunRequest
from ormbench.present import comparison, exports, web

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


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    compare = commands.add_parser(
        "compare",
        help="compare two git revisions (run here, alternating) or two stored run files",
        epilog="The run options (--db, --scale, -k, ...) apply to each side's processes.",
    )
    compare.add_argument("a", nargs="?", help="git revision or results/runs/*.json file")
    compare.add_argument("b", nargs="?", help="git revision or results/runs/*.json file")
    add_run_options(compare, django=False)
    compare.add_argument(
        "--django",
        dest="django_pair",
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
        "--json",
        type=Path,
        metavar="FILE",
        help="also write the comparison as JSON (schema: ormbench/schemas/comparison.schema.json)",
    )
    compare.add_argument(
        "--force", action="store_true", help="compare runs that are not comparable, with a warning"
    )
    compare.set_defaults(handler=lambda args: handle(compare, args))


def handle(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Two Djangos, two revisions or two run files, as the command line names them."""
    if args.json is not None and not args.json.parent.is_dir():
        raise BenchError(f"--json {args.json}: no folder {args.json.parent}")  # before any work
    options: dict[str, Any] = {
        "threshold": args.threshold,
        "force": args.force,
        "report_only": args.report_only,
        "results": args.results,
        "json_file": args.json,
    }
    if args.django_pair:
        if len(args.django_pair) != 2 or args.a is not None:
            raise BenchError("compare two Djangos as --django A --django B, without revisions")
        both = request_from(args)
        a, b = args.django_pair
        pair = (django_envs.prepare(a), django_envs.prepare(b))
        return main(a, b, both, djangos=pair, **_schedule(args, both), **options)
    if args.a is None or args.b is None:
        raise BenchError("compare two revisions, two run files, or --django A --django B")
    is_file = [Path(x).suffix == ".json" or Path(x).is_file() for x in (args.a, args.b)]
    request: RunRequest | None
    if all(is_file):
        given = run_options_given(parser, args)
        if given:
            raise BenchError(f"run options {' '.join(given)} apply to revisions, not files")
        request = None
    elif not any(is_file):
        request = request_from(args)
    else:
        raise BenchError("compare two revisions or two run files, not one of each")
    return main(args.a, args.b, request, **_schedule(args, request), **options)


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


def main(
    a: str,
    b: str,
    request: RunRequest | None,
    *,
    djangos: tuple[DjangoEnv, DjangoEnv] | None = None,
    alternations: int,
    budget_seconds: float,
    threshold: float,
    force: bool,
    report_only: bool,
    results: Path,
    json_file: Path | None = None,
) -> int:
    """`request`: how to benchmark revisions, or the two `djangos` (None: `a` and `b` are run
    files)."""
    if request is None:
        path_a, path_b = Path(a), Path(b)
    elif alternations < 1:
        raise BenchError("--alternations must be 1 or more")
    elif djangos is not None:
        path_a, path_b = revisions.run_djangos(*djangos, request, alternations, budget_seconds)
        a, b = (django.label for django in djangos)
    else:
        path_a, path_b = revisions.run_revisions(a, b, request, alternations, budget_seconds)
    run_a, run_b = store.load_run(path_a), store.load_run(path_b)
    refusals, warnings = comparability(run_a, run_b)
    if refusals and not force:
        raise BenchError(
            f"runs are not comparable: {'; '.join(refusals)} (--force to compare anyway)"
        )
    found = outcome(run_a, run_b, (a, b), threshold, refusals + warnings)
    failed = bool(found.gating or found.more_queries) and not report_only
    print(comparison.terminal(found))
    _write(found, (path_a, path_b), failed, results, json_file)
    if failed:
        measure = "regressions in instructions" if found.counts else "significant regressions"
        print(
            f"\nFAILED: {found.gating} {measure}, "
            f"{len(found.more_queries)} benchmarks sending more queries",
            file=sys.stderr,
        )
        return 1
    return 0


def _write(
    found: Outcome, runs: tuple[Path, Path], failed: bool, results: Path, json_file: Path | None
) -> None:
    """The comparison's files (HTML, Markdown, JSON, chart), the JSON where the user asked for
    it, and the job summary when GitHub Actions gives one."""
    document = json.dumps(exports.comparison_document(found, runs, failed), indent=1)
    summary = comparison.markdown(found)
    folder = store.save_comparison(
        results,
        {
            "summary.md": summary,
            "index.html": comparison.page(found),
            "comparison.json": document,
        },
        draw={"ratios.png": lambda path: web.export_png(comparison.spec(found.comparisons), path)},
        bundle=web.write_bundle,
    )
    if json_file is not None:
        store.write_export(json_file, document)
    job_summary = store.append_job_summary(summary)
    print(
        f"\ncomparison: {folder / 'index.html'}\nsummary for a pull request: "
        f"{folder / 'summary.md'}\nJSON: {json_file or folder / 'comparison.json'}"
        + (f"\njob summary: {job_summary}" if job_summary else "")
        + f"\nruns: {runs[0]} {runs[1]}"
    )
