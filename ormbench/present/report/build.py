"""Build results/report/ from a stored run: the exports, the page, then swap in place.

The report reads stored files only, so it can be rebuilt without rerunning anything. It is
built in a hidden sibling folder and moved into place at the end: an earlier report is never
left half-overwritten.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import vl_convert

from ormbench import store
from ormbench.present import web
from ormbench.present.report import html, specs
from ormbench.present.rows import by_scenario, rows
from ormbench.results import Run

REPORT_FOLDER = "report"
PNG_FOLDER = "png"  # each scenario's chart as a PNG, for a README or a slide
OVERVIEW = ""  # the overview's key among the charts (scenarios are named)


def build(run_path: Path, results: Path) -> Path:
    """Write results/report/index.html, the chart bundle beside it and the PNG and SVG
    exports for one stored run; return the index."""
    run = store.load_run(run_path)
    store.reap_staging(results)  # what a build killed half-way left
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
    charts: dict[str, dict[str, Any]] = {}
    exports: dict[str, str] = {}
    if all_rows:
        charts[OVERVIEW] = specs.overview(all_rows, databases)
        for scenario, scenario_rows in by_scenario(all_rows).items():
            shown = [d for d in databases if any(r.database == d for r in scenario_rows)]
            charts[scenario] = specs.scenario(scenario, scenario_rows, shown)
        exports = _export(charts, specs.overview(all_rows, databases, compact=True), folder)
    web.write_bundle(folder)
    page = html.page(run, source, all_rows, charts, exports)
    (folder / "index.html").write_text(page, encoding="utf-8")


def _export(
    charts: dict[str, dict[str, Any]], compact: dict[str, Any], folder: Path
) -> dict[str, str]:
    """The overview as PNG (twice its size, for a README on a HiDPI screen) and SVG, and each
    scenario's chart as a PNG; drawn two at a time in processes of their own (the renderer
    holds Python's lock)."""
    exports = {"overview": "overview.png", "compact": "overview-compact.png", "svg": "overview.svg"}
    (folder / exports["svg"]).write_text(
        vl_convert.vegalite_to_svg(charts[OVERVIEW]), encoding="utf-8"
    )
    (folder / PNG_FOLDER).mkdir()
    jobs = [
        (charts[OVERVIEW], folder / exports["overview"], 2),
        (compact, folder / exports["compact"], 2),
    ]
    jobs += [
        (spec, folder / PNG_FOLDER / f"{name}.png", 1)
        for name, spec in charts.items()
        if name != OVERVIEW
    ]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(web.export_png, *zip(*jobs, strict=True), chunksize=4))
    return exports
