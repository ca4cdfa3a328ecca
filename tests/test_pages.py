"""The pages open in headless Chromium with the network off: no console error, no request
beyond the page's folder, and a reader can hover a figure, filter, and find one benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ormbench import store
from tests.conftest import ROOT, in_process, open_page

SHOTS = ROOT / "results" / "screenshots"
# A browser per session and pages drawn in it: the slow layer, with the servers (the fast layer
# is for a quick check while editing). The specs' validity and the tables' captions need none.
BROWSER = pytest.mark.servers


@BROWSER
def test_the_report_filters_hovers_and_links_one_benchmark(
    browser: Any, fixture_report: tuple[dict[str, Any], str, Path]
) -> None:
    doc, _, folder = fixture_report
    opened = open_page(browser, folder / "index.html")
    page = opened.page
    assert opened.console == [] and opened.requests == []
    total = len(doc["benchmarks"])
    assert page.locator("#f-count").inner_text() == f"{total} rows shown"

    page.select_option("#f-db", "postgresql")
    assert opened.filtered()["db"] == "postgresql"
    shown = page.locator("tr[data-name]:visible")
    postgresql = sum(b["extra_info"]["database"] == "postgresql" for b in doc["benchmarks"])
    assert shown.count() == postgresql
    assert all(n.startswith("postgresql/") for n in shown.evaluate_all(
        "rows => rows.map(r => r.dataset.name)"))  # fmt: skip
    page.locator("#c-overview[data-drawn]").wait_for()
    cells = page.locator("#c-overview .mark-rect.role-mark path")
    assert cells.count() == len({b["extra_info"]["scenario"] for b in doc["benchmarks"]
                                 if b["extra_info"]["database"] == "postgresql"})  # fmt: skip
    assert "#db=postgresql" in page.url  # the filtered view can be linked

    page.fill("#f-q", "select_related")
    opened.filtered()
    names = shown.evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert names and all("select_related" in n and n.startswith("postgresql/") for n in names)
    assert page.locator("section[data-name^='counter_race']").is_hidden()

    page.select_option("#f-db", "all")
    page.fill("#f-q", "")
    page.select_option("#f-verdict", "invalid")
    opened.filtered()
    invalid = [b["extra_info"] for b in doc["benchmarks"] if not b["extra_info"]["valid"]]
    assert shown.count() >= len(invalid) == 1
    assert page.locator("tr[data-verdict='invalid']:visible").count() == 1

    page.select_option("#f-verdict", "all")
    opened.filtered()
    page.locator("#c-fk_access").scroll_into_view_if_needed()
    page.locator("#c-fk_access[data-drawn]").wait_for()  # drawn as it nears the screen
    point = page.locator("#c-fk_access .mark-symbol.role-mark path").first
    point.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    assert "queries" in tooltip.inner_text() and "time" in tooltip.inner_text()

    target = "b-sqlite-fk_access-select_related-n100"
    page.goto(f"{(folder / 'index.html').as_uri()}#{target}")
    assert page.locator(f"tr#{target}").is_visible()
    assert page.evaluate("document.querySelector(':target').id") == target
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-filtered.png"))
    assert opened.console == [] and opened.requests == []


@BROWSER
def test_the_comparison_page_filters_by_verdict_and_hovers_a_ratio(
    browser: Any, tmp_path: Path
) -> None:
    from tests.test_exports import _side

    a = store.save_run(_side(1.0), tmp_path)
    b = store.save_run(_side(2.0), tmp_path)
    done = in_process("compare", str(a), str(b), f"--results={tmp_path}", "--report-only")
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "compare").iterdir()
    assert (folder / "ratios.png").read_bytes()[:4] == b"\x89PNG"
    opened = open_page(browser, folder / "index.html")
    page = opened.page
    page.locator("#c-ratios[data-drawn]").wait_for()
    assert page.locator("#c-ratios .mark-symbol.role-mark path").count() == 2
    page.select_option("#f-verdict", "slower")
    opened.filtered()
    assert page.locator("#c-ratios .mark-symbol.role-mark path").count() == 1
    rows = page.locator("tr[data-name]:visible")
    assert rows.evaluate_all("r => r.map(x => x.dataset.name)") == [
        "sqlite/fk_access/select_related/n=100"
    ]
    page.locator("#c-ratios .mark-symbol.role-mark path").first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    assert "slower" in tooltip.inner_text() and "resolution" in tooltip.inner_text()
    assert opened.console == [] and opened.requests == []


@BROWSER
def test_the_history_page_finds_a_series_and_hovers_a_commit(browser: Any, tmp_path: Path) -> None:
    from tests.test_history import COMMITS, _stored

    results = _stored(tmp_path / "results", 1, "here")
    assert in_process("history", "--results", str(results)).returncode == 0
    opened = open_page(browser, results / "history" / "index.html")
    page = opened.page
    changes = page.locator("li[data-verdict]:visible")
    assert changes.count() == 4  # two steps in time, two in queries
    page.select_option("#f-verdict", "slower")
    opened.filtered()
    assert changes.count() == 2
    page.fill("#f-q", "select_related/n=100")
    opened.filtered()
    assert changes.count() == 1
    section = page.locator("section[data-name]:visible")
    assert section.count() == 1
    chart = section.locator(".chart")
    chart.scroll_into_view_if_needed()
    section.locator(".chart[data-drawn]").wait_for()
    points = chart.locator(".mark-line.role-mark path, .mark-symbol.role-mark path")
    assert points.count() >= 1
    flagged = chart.locator(".mark-symbol.role-mark path")
    flagged.last.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    assert COMMITS[3][:10] in tooltip.inner_text() and "changed here" in tooltip.inner_text()
    assert opened.console == [] and opened.requests == []


def test_every_kind_of_chart_is_a_valid_vega_lite_spec(monkeypatch: Any, tmp_path: Path) -> None:
    """A run does not check its specs against Vega-Lite's schema (a second a catalogue);
    here every kind is checked: the report's overview and scenarios, a comparison, a history.
    Each finished spec is validated as it stands (a scenario's chart is filled into a template
    Altair built once, so Altair's own check at build time does not see the filled values)."""
    import json

    from altair.vegalite.v6.schema.core import Root

    from ormbench.analysis.compare import compare_runs
    from ormbench.analysis.history import detect, index
    from ormbench.present import comparison, web
    from ormbench.present.history import chart
    from ormbench.present.report import specs
    from ormbench.present.rows import by_scenario, rows
    from ormbench.results import Run
    from tests.conftest import FIXTURE_RUN
    from tests.test_exports import _side
    from tests.test_history import _stored

    monkeypatch.setattr(web, "VALIDATE", True)
    run = Run.read(json.loads(FIXTURE_RUN.read_text()))
    found = rows(run)
    databases = list(run.meta.databases)
    built = [specs.overview(found, databases), specs.overview(found, databases, compact=True)]
    built += [specs.scenario(s, r, databases) for s, r in by_scenario(found).items()]
    built.append(comparison.spec(compare_runs(_side(1.0), _side(2.0))))
    results = _stored(tmp_path, 1)
    history = index.open_index(None, results)
    for path in sorted(store.runs_dir(results).glob("*.json")):
        history.add(store.load_run(path), index.run_id(path), str(path))
    series = detect.series_of(history.points(), {})
    history.close()
    commits = [(c.id, c.time) for c in series[0].commits]
    built.append(chart.spec("fk_access on sqlite", series, commits, 0, set()))
    assert all(spec["datasets"][web.DATA] for spec in built)  # every chart has its figures
    for spec in built:
        Root.validate(spec)


def test_every_table_has_a_caption_and_scoped_headers(
    fixture_report: tuple[dict[str, Any], str, Path],
) -> None:
    import re

    _, page, _ = fixture_report
    tables = re.findall(r"<table>(.*?)</table>", page, re.S)
    assert tables
    for table in tables:
        assert table.startswith("<caption>"), table[:200]
        assert "<th>" not in table and "<th class" not in table  # every header has a scope
