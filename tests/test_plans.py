"""The plan of every variant in the report: marks for full scans, sorts and temporary tables, and
the summary pointing at an optimized variant whose plan does more than the naive one's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ormbench.analysis.plans import marks
from ormbench.present import summary
from ormbench.results import Run
from tests.conftest import FIXTURE_RUN


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ("SCAN models_app_book; SEARCH models_app_author USING INTEGER PRIMARY KEY", ["full scan"]),
        ("SCAN models_app_book USING COVERING INDEX i; USE TEMP B-TREE FOR ORDER BY", ["sort"]),
        ("Limit(Index Scan on models_app_book using models_app_book_pkey)", []),
        ("Sort(Seq Scan on models_app_author)", ["full scan", "sort"]),
        (
            "models_app_author: ALL - [Using temporary; Using filesort]",
            MARKS_ALL := ["full scan", "sort", "temporary table"],
        ),
        ("models_app_book: ref models_app_book_author_id", []),
        ("book: range pub [Using index condition]; <union1,2>: ALL - [Using filesort]", ["sort"]),
    ],
)
def test_a_plan_is_marked_by_what_it_does(plan: str, expected: list[str]) -> None:
    assert marks(plan) == expected


def test_the_report_shows_every_variants_plan_and_the_summary_names_mariadbs_filesort(
    fixture_report: tuple[dict[str, Any], str, Path],
) -> None:
    run = Run.read(json.loads(FIXTURE_RUN.read_text()))
    page = fixture_report[1]
    explained = {b.figures.scenario for b in run.benchmarks if b.figures.plans}
    assert explained and page.count("Plans of every variant") == len(explained)
    assert "Using temporary; Using filesort" in page
    assert "<span class='badge bad'>temporary table</span>" in page
    text = summary.render(run)
    assert (
        "mysql: fk_access/select_related at n=100 plans a full scan, a sort and a temporary "
        "table where the naive variant does not" in text
    )
