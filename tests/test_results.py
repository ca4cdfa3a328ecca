"""The results model on a committed run file: read as written by an earlier version, written back
unchanged, merged, refused clearly when broken; the report and compare read it without servers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ormbench import results, store
from ormbench.errors import BenchError
from ormbench.present.report.build import build
from ormbench.present.rows import rows
from ormbench.results import Run
from tests.conftest import FIXTURE_RUN, INVALIDATED, in_process


def test_a_stored_run_reads_typed_and_writes_back_what_it_read(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE_RUN.read_text())
    run = Run.read(doc)
    assert {b.figures.vendor for b in run.benchmarks} == {"sqlite", "postgresql", "mysql"}
    assert all(b.rounds and b.median > 0 for b in run.benchmarks)
    assert run.meta.scale == "xs" and run.django == doc["ormbench"]["environment"]["django"]
    written = run.as_dict()
    assert {k: v for k, v in written.items() if k != "benchmarks"} == {
        k: v for k, v in doc.items() if k != "benchmarks"
    }
    for before, after in zip(doc["benchmarks"], written["benchmarks"], strict=True):
        assert {k: v for k, v in after["extra_info"].items() if v is not None} == {
            k: v for k, v in before["extra_info"].items() if v is not None
        }
        assert {k: v for k, v in after.items() if k != "extra_info"} == {
            k: v for k, v in before.items() if k != "extra_info"
        }
    assert store.load_run(store.save_run(run, tmp_path)) == run


def test_a_run_missing_a_figure_is_refused_in_one_line(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE_RUN.read_text())
    del doc["benchmarks"][3]["extra_info"]["queries"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(BenchError, match="corrupt") as raised:
        store.load_run(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_merged_runs_pool_rounds_and_keep_process_medians() -> None:
    run = Run.read(json.loads(FIXTURE_RUN.read_text()))
    merged = results.merge([run, run])
    first, pooled = run.benchmarks[0], merged.benchmarks[0]
    assert pooled.stats["rounds"] == 2 * first.stats["rounds"]
    assert pooled.rounds == first.rounds * 2
    assert pooled.process_medians == [first.median] * 2
    normalized = first.figures.speed_normalized_median
    assert normalized and normalized > 0
    assert pooled.figures.process_normalized == [normalized] * 2
    assert merged.meta.merged_from == 2
    # a benchmark any process found invalid is invalid in the pooled run (a later, timing-only
    # process still checks query counts and its last round)
    broken = Run.read(json.loads(FIXTURE_RUN.read_text()))
    broken.benchmarks[0].figures.valid = False
    broken.benchmarks[0].figures.error = "issued 3 queries, declares 2"
    pooled_figures = results.merge([run, broken]).benchmarks[0].figures
    assert pooled_figures.valid is False
    assert pooled_figures.error == "issued 3 queries, declares 2"


def test_pytest_benchmark_compare_reads_a_written_run(tmp_path: Path) -> None:
    path = store.save_run(Run.read(json.loads(FIXTURE_RUN.read_text())), tmp_path)
    cli = shutil.which("pytest-benchmark", path=str(Path(sys.executable).parent))
    assert cli, "pytest-benchmark's command line is installed with it"
    done = subprocess.run([cli, "compare", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "fk_access" in done.stdout


def test_the_report_of_a_stored_run_shows_every_database_and_marks_invalid(
    fixture_report: tuple[dict[str, Any], str, Path],
) -> None:
    doc, page, folder = fixture_report
    target = next(b for b in doc["benchmarks"] if b["extra_info"].get("valid") is False)
    wrong = next(
        r
        for r in rows(Run.read(doc))
        if (r.variant, r.database, r.n)
        == tuple(target["extra_info"][k] for k in ("variant", "database", "n"))
    )
    assert wrong.speedup is None
    assert "INVALID" in page and INVALIDATED in page
    for database in ("sqlite", "postgresql", "mysql"):
        assert f"{database} server" in page
    assert len(list(folder.glob("*.png"))) == 2 and (folder / "vega.js").is_file()


def test_run_text_is_escaped(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE_RUN.read_text())
    hostile = "<script>alert('x')</script>"
    scenario = doc["benchmarks"][0]["extra_info"]["scenario"]
    doc["ormbench"]["scenarios"][scenario]["doc"] = hostile
    for variant in doc["ormbench"]["scenarios"][scenario]["variants"].values():
        variant["label"] = hostile
    page = build(store.save_run(Run.read(doc), tmp_path), tmp_path).read_text(encoding="utf-8")
    assert hostile not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize("change", ["scale", "checksum"])
def test_incomparable_runs_are_refused_unless_forced(change: str, tmp_path: Path) -> None:
    other = json.loads(FIXTURE_RUN.read_text())
    if change == "scale":
        other["ormbench"]["scale"] = "s"
    else:
        other["ormbench"]["databases"]["sqlite"]["dataset"]["checksum"] = "0" * 64
    path = store.save_run(Run.read(other), tmp_path)
    refused = in_process("compare", str(FIXTURE_RUN), str(path), "--results", str(tmp_path))
    assert refused.returncode == 1
    assert "not comparable" in refused.stderr and "Traceback" not in refused.stderr
    forced = in_process(
        "compare",
        str(FIXTURE_RUN),
        str(path),
        "--force",
        "--report-only",
        "--results",
        str(tmp_path),
    )
    assert forced.returncode == 0 and "warning:" in forced.stdout


def test_a_changed_plan_and_one_more_query_are_reported_and_fail_the_gate(tmp_path: Path) -> None:
    other: dict[str, Any] = json.loads(FIXTURE_RUN.read_text())
    planned = next(
        b for b in other["benchmarks"] if b["extra_info"].get("plans") and b["extra_info"]["valid"]
    )
    shape = next(iter(planned["extra_info"]["plans"]))
    planned["extra_info"]["plans"][shape] = "Seq Scan on somewhere_else"
    counted = next(b for b in other["benchmarks"] if b is not planned and b["extra_info"]["valid"])
    counted["extra_info"]["queries"] += 1
    path = store.save_run(Run.read(other), tmp_path)
    done = in_process("compare", str(FIXTURE_RUN), str(path), "--results", str(tmp_path))
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Exact figures that changed (2" in done.stdout
    assert "plan" in done.stdout and "Seq Scan on somewhere_else" in done.stdout
    assert "1 benchmarks sending more queries" in done.stderr
    assert (tmp_path / "compare").is_dir()


def test_benchmarks_only_one_side_measured_are_listed(tmp_path: Path) -> None:
    """Under two Djangos, a variant one of them cannot run exists on one side only: said so."""
    other = json.loads(FIXTURE_RUN.read_text())
    dropped = other["benchmarks"].pop(0)["extra_info"]
    path = store.save_run(Run.read(other), tmp_path)
    done = in_process("compare", str(FIXTURE_RUN), str(path), f"--results={tmp_path}")
    name = f"{dropped['database']}/{dropped['scenario']}/{dropped['variant']}/n={dropped['n']}"
    assert f"Only in {FIXTURE_RUN} (commit" in done.stdout
    assert f"(1): {name}" in done.stdout
