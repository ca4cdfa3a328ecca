"""The report: built from a stored run of a real bench at xs, readable offline, honest."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ormbench import store
from ormbench.declare import catalogue
from ormbench.errors import BenchError
from ormbench.present.report.build import build
from ormbench.results import Run
from ormbench.servers import DEFAULT_DATABASES as DATABASES
from tests.conftest import FIXTURE_RUN, ROOT, open_page

MIN_SIDE, MAX_SIDE = 300, 5000  # pixels: readable at README size, not absurdly large


@pytest.fixture(scope="module")
def report(xs_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("report-results")
    return build(xs_run["path"], results)


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_every_scenario_and_database_appears(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    for scenario in catalogue.scenarios():
        assert f"id='s-{scenario}'" in page
    assert "Not measured in this run: sqlite: runs at scale s, m and l only (this run: xs)" in page
    for database in DATABASES:
        assert f"{database} server" in page


def _charts(page: str) -> dict[str, Any]:
    """The Vega-Lite specs a page embeds, by chart id."""
    found = re.search(r"id='ormbench-specs' type='application/json'>(.*?)</script>", page, re.S)
    assert found, "no charts"
    return dict(json.loads(found.group(1)))


def test_every_chart_is_interactive_offline_and_exported_for_a_readme(
    report: Path, xs_run: dict[str, Any]
) -> None:
    page = report.read_text(encoding="utf-8")
    charts = _charts(page)
    measured = {b.figures.scenario for b in store.load_run(xs_run["path"]).benchmarks}
    assert set(charts) == {"c-overview"} | {f"c-{s}" for s in measured}
    assert "<script src='vega.js'></script>" in page
    assert (report.parent / "vega.js").stat().st_size > 500_000  # Vega, Vega-Lite, vega-embed
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=['\"]https?://", page)
    pngs = sorted((report.parent / "png").glob("*.png")) + sorted(report.parent.glob("*.png"))
    assert len(pngs) == len(measured) + 2
    for png in pngs:
        width, height = png_size(png)
        assert MIN_SIDE <= width <= MAX_SIDE and 150 <= height <= MAX_SIDE, png.name
    assert (report.parent / "overview.svg").read_text().startswith("<svg")


def test_an_invalid_benchmark_is_never_charted(
    fixture_report: tuple[dict[str, Any], str, Path],
) -> None:
    doc, page, _ = fixture_report
    wrong = next(b["extra_info"] for b in doc["benchmarks"] if not b["extra_info"]["valid"])
    charts = _charts(page)
    name = f"{wrong['database']}/{wrong['scenario']}/{wrong['variant']}/n={wrong['n']}"
    assert f'"{name}"' not in json.dumps(charts[f"c-{wrong['scenario']}"])
    assert f"data-name='{name}' data-verdict='invalid'" in page


def test_report_of_a_one_database_run(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE_RUN.read_text())
    doc["benchmarks"] = [b for b in doc["benchmarks"] if b["extra_info"]["database"] == "sqlite"]
    doc["ormbench"]["databases"] = {"sqlite": doc["ormbench"]["databases"]["sqlite"]}
    path = store.save_run(Run.read(doc), tmp_path)
    page = build(path, tmp_path).read_text(encoding="utf-8")
    assert "sqlite server" in page and "postgresql server" not in page


def test_unknown_schema_is_refused(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE_RUN.read_text())
    doc["ormbench"]["schema_version"] = 99
    path = tmp_path / "future.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(BenchError, match="schema 99"):
        build(path, tmp_path)
    assert not (tmp_path / "report").exists()


def test_report_command_rebuilds_from_the_newest_stored_run(xs_run: dict[str, Any]) -> None:
    results = xs_run["results"]
    done = subprocess.run(
        [sys.executable, "-m", "ormbench", "report", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (results / "report" / "index.html").is_file()
    assert not list(results.glob(".report-*")), "no staging folder is left behind"


def test_the_whole_catalogues_report_draws_every_chart_offline(report: Path, browser: Any) -> None:
    opened = open_page(browser, report)
    page = opened.page
    charts = page.locator(".chart")
    for i in range(charts.count()):  # each is drawn as it nears the screen
        charts.nth(i).scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.chart')].every(c => c.dataset.drawn)")
    assert opened.console == [] and opened.requests == []
    shot = ROOT / "results" / "screenshots" / "report.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shot))
    assert png_size(shot) == (1300, 1600)


def test_each_variant_shows_its_own_figures_beside_its_time() -> None:
    """Correctness figures (lost updates here) are part of every variant's cell, not only the
    naive one's headline: a reader sees that F() lost none beside its time."""
    from ormbench.present import table
    from ormbench.present.report import html
    from ormbench.present.rows import rows

    run = Run.read(json.loads(FIXTURE_RUN.read_text()))
    terminal = table.render(run)
    assert re.search(r"f_update .* 0q \(lost updates 0\) .* 0q \(lost updates 0\)", terminal)
    assert re.search(r"python_increment .* 0q \(lost updates [1-9]\d*\)", terminal)
    counter = [r for r in rows(run) if r.scenario == "counter_race" and r.database == "mysql"]
    page = html._table("counter_race", counter)
    assert ">figures</th>" in page
    assert page.count("lost updates 0") == 2 and page.count("lost updates") == 4


def test_connections_a_call_opened_show_beside_its_queries() -> None:
    from ormbench.present import table
    from ormbench.present.report import html
    from ormbench.present.rows import rows

    run = Run.read(json.loads(FIXTURE_RUN.read_text()))
    for benchmark in run.benchmarks:
        if benchmark.figures.variant == "lazy_loop" and benchmark.figures.n == 10:
            benchmark.figures.connects = 7
    terminal = table.render(run)
    assert re.search(r"lazy_loop .* 11q\+7c ", terminal), terminal[:2000]
    assert "connections the call opened" in terminal
    lazy = [r for r in rows(run) if r.variant == "lazy_loop" and r.database == "sqlite"]
    shown = html._table("fk_access", lazy)
    assert "<th scope='col'>connects</th>" in shown and "<td>7</td>" in shown


def test_each_scenarios_chart_has_its_own_title_variants_colours_and_databases() -> None:
    """Charts are filled into a template built once per shape: no scenario's figures, names or
    colours may reach another's chart, whatever order they are built in."""
    import dataclasses

    from ormbench.present import web
    from ormbench.present.report import specs
    from ormbench.present.rows import rows

    found = rows(Run.read(json.loads(FIXTURE_RUN.read_text())))
    one = [r for r in found if r.scenario == "fk_access"]
    other = [dataclasses.replace(r, scenario="other", variant=f"{r.variant}_b") for r in one]
    first = specs.scenario("fk_access", one, ["sqlite", "mysql"])
    second = specs.scenario("other", other, ["postgresql"])
    again = specs.scenario("fk_access", one, ["sqlite", "mysql"])
    assert first == again and first != second
    assert (first["title"], second["title"]) == ("fk_access", "other")
    assert first["facet"]["column"]["sort"] == ["sqlite", "mysql"]
    assert second["facet"]["column"]["sort"] == ["postgresql"]
    scale = second["spec"]["layer"][0]["encoding"]["color"]["scale"]
    naive = next(r.variant for r in other if r.role == "naive")
    assert set(scale["domain"]) == {r.variant for r in other} and scale["domain"][0] == naive
    assert len(scale["range"]) == len(scale["domain"]) and scale["range"][0] == web.NAIVE_COLOR
    names = {p["name"] for p in second["datasets"][web.DATA]}
    assert names and all("/other/" in name for name in names)
