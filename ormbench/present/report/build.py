"""Build results/report/ from a stored run: charts first, then the page, then swap in place.

The report reads stored files only, so it can be rebuilt without rerunning anything. It is
built in a hidden sibling folder and moved into place at the end: an earlier report is never
left half-overwritten.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from ormbench import store
from ormbench.present.report import charts, html
from ormbench.present.rows import by_scenario, rows
from ormbench.results import Run

REPORT_FOLDER = "report"


def build(run_path: Path, results: Path) -> Path:
    """Write results/report/index.html and its PNGs for one stored run; return the index."""
    run = store.load_run(run_path)
    staging = results / f".report-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    try:
        _write(run, run_path.name, staging)
        return store.swap_in(staging, results / REPORT_FOLDER) / "index.html"
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(run: Run, source: str, folder: Path) -> None:
    all_rows = rows(run)
    databases = [d for d in run.meta.databases if any(r.database == d for r in all_rows)]
    drawn: dict[str, Any] = {"overview": "overview.png", "compact": "overview-compact.png"}
    if all_rows:
        charts.overview(all_rows, databases, folder / drawn["overview"])
        charts.overview(all_rows, databases, folder / drawn["compact"], compact=True)
    for scenario, scenario_rows in by_scenario(all_rows).items():
        entry: dict[str, Any] = {"variants": f"{scenario}-variants.png"}
        charts.variants_at_largest_n(scenario, scenario_rows, databases, folder / entry["variants"])
        if len({r.n for r in scenario_rows}) > 1:
            entry["scaling"] = f"{scenario}-scaling.png"
            entry["crossovers"] = charts.scaling(
                scenario, scenario_rows, databases, folder / entry["scaling"]
            )
        if charts.memory_matters(scenario_rows):
            entry["memory"] = f"{scenario}-memory.png"
            charts.memory(scenario, scenario_rows, databases, folder / entry["memory"])
        drawn[scenario] = entry
    (folder / "index.html").write_text(html.page(run, source, all_rows, drawn), encoding="utf-8")
