"""Build results/report/ from a stored run: the exports, the page, then swap in place.

The report reads stored files only, so it can be rebuilt without rerunning anything. It is
built in a hidden sibling folder and moved into place at the end: an earlier report is never
left half-overwritten.
"""

from __future__ import annotations

import os
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import vl_convert

from ormbench import store
from ormbench.present import web
from ormbench.present.report import html, specs
from ormbench.present.rows import by_scenario, rows
from ormbench.results import Run

REPORT_FOLDER = "report"
PNG_FOLDER = "png"  # each scenario's chart as a PNG, for a README or a slide


def build(run_path: Path, results: Path) -> Path:
    """Write results/report/index.html, the chart bundle beside it and the PNG and SVG
    exports for one stored run; return the index."""
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
    exports: dict[str, str] = {}
    if all_rows:
        exports = {
            "overview": "overview.png",
            "compact": "overview-compact.png",
            "svg": "overview.svg",
        }
        to_draw = {
            exports["overview"]: specs.overview(all_rows, databases),
            exports["compact"]: specs.overview(all_rows, databases, compact=True),
        }
        (folder / exports["svg"]).write_text(
            vl_convert.vegalite_to_svg(to_draw[exports["overview"]]), encoding="utf-8"
        )
        (folder / PNG_FOLDER).mkdir()
        for scenario, scenario_rows in by_scenario(all_rows).items():
            shown = [d for d in databases if any(r.database == d for r in scenario_rows)]
            to_draw[f"{PNG_FOLDER}/{scenario}.png"] = specs.scenario(scenario, scenario_rows, shown)
        with ThreadPoolExecutor() as pool:  # the renderer leaves Python's lock while it draws
            list(pool.map(web.export_png, to_draw.values(), [folder / n for n in to_draw]))
    web.write_bundle(folder)
    (folder / "index.html").write_text(html.page(run, source, all_rows, exports), encoding="utf-8")
