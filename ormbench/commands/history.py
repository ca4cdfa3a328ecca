"""`history`: import every stored run into the index, find what changed along the commits,
print the newest changes one line each and build results/history/."""

from __future__ import annotations

import argparse
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ormbench import store
from ormbench.analysis.history import count_steps, detect, index
from ormbench.analysis.stats import DEFAULT_THRESHOLD
from ormbench.errors import BenchError

SHOWN = 20  # changes printed, newest first (the site lists more)


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    history.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    store_url = args.store or os.environ.get("ORMBENCH_HISTORY_STORE") or None
    return main(args.results, args.sources, store_url, args.threshold)


def main(results: Path, sources: Sequence[Path], store_url: str | None, threshold: float) -> int:
    from ormbench.present.history import site  # matplotlib and altair: see commands.run

    history = index.open_index(store_url, results)
    try:
        added, known = _import(history, [store.runs_dir(results), *sources])
        points = history.points()
    finally:
        history.close()
    print(f"history: {added} runs imported, {known} already known")
    order = _branch_order()
    all_series = detect.series_of(points, order)
    found = detect.changes(all_series, threshold)
    counted = count_steps.count_series(points, order)
    found += count_steps.count_changes(counted)
    newest = sorted(found, key=lambda c: [x.id for x in c.series.commits].index(c.at))[::-1]
    series = f"{len(all_series)} series" + (
        f" and {len(counted)} instruction series" if counted else ""
    )
    print(f"\nWhat changed lately ({len(found)} changes in {series}):")
    for change in newest[:SHOWN]:
        print(f"  {change.line()}")
        if change.metric == "time":
            print(f"    bisect: {site.bisect_command(change)}")
    if not found:
        print("  nothing")
    print(f"\nsite: {site.build(all_series, found, results / 'history')}")
    lines = [f"- `{change.line()}`" for change in newest[:SHOWN]] or ["Nothing changed."]
    store.append_job_summary(
        f"### django-ormbench history: {len(found)} changes in {series}\n\n"
        + "\n".join(lines)
        + "\n"
    )
    return 0


def _import(history: index.Index, folders: Sequence[Path]) -> tuple[int, int]:
    """Every run file under the folders; one line for each that is not a run, then on."""
    known = history.known()
    added = already = 0
    for folder in folders:
        if not folder.is_dir():
            if folder != folders[0]:
                raise BenchError(f"--from {folder}: no such folder")
            continue
        for path in sorted(folder.rglob("*.json")):
            key = index.run_id(path)
            if key in known:
                already += 1
                continue
            try:
                run = store.load_run(path)
            except BenchError as exc:
                print(f"skipped: {exc}")
                continue
            if history.add(run, key, str(path)):
                added += 1
            else:
                already += 1
            known.add(key)
    return added, already


def _branch_order() -> dict[str, int]:
    """Commit ids by their position on the current branch, oldest first ({} outside git)."""
    done = subprocess.run(
        ["git", "rev-list", "--topo-order", "--reverse", "HEAD"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return {}
    return {commit: i for i, commit in enumerate(done.stdout.split())}
