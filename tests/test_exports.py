"""What other tools read: `compare --json`, the BMF export and the run file each validate against
their JSON Schema (shipped in the package), and a GitHub job summary is written when asked."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from ormbench import store
from ormbench.present.exports import schema
from ormbench.results import Figures, Run, RunMeta
from tests import factory
from tests.conftest import ROOT, in_process

FIXTURE_RUN = ROOT / "tests" / "fixtures" / "run-xs.json"
DATASET = {"sqlite": {"dataset": {"checksum": "c0ffee"}}}


def _validate(document: object, name: str) -> None:
    found = schema(name)
    jsonschema.validators.validator_for(found).check_schema(found)
    jsonschema.validate(document, found, cls=jsonschema.validators.validator_for(found))


def _side(slow: float, counted: bool = False) -> Run:
    """Six processes of two benchmarks; select_related `slow` times slower."""
    entries = []
    for variant, factor in (("select_related", slow), ("values", 1.0)):
        medians = [0.001 * factor * (1 + 0.002 * i) for i in range(6)]
        counts = {"instructions": int(1e7 * factor), "call_instructions": [int(1e7 * factor)] * 3}
        entries.append(
            factory.benchmark(
                variant,
                scenario="fk_access",
                rounds=medians,
                process_medians=medians,
                **(counts if counted else {}),
            )
        )
    doc = factory.run_doc(entries, databases=DATASET)
    doc |= {"datetime": "2026-12-03T10:00:00", "version": "5.1.0"}
    return Run.read(doc)


def _compared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    summary = tmp_path / "step-summary.md"
    summary.write_text("## an earlier step's summary\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    a = store.save_run(_side(1.0), tmp_path)
    b = store.save_run(_side(2.0), tmp_path)
    out = tmp_path / "comparison.json"
    done = in_process("compare", str(a), str(b), "--json", str(out), f"--results={tmp_path}")
    return done, out, summary


def test_compare_json_validates_and_says_what_the_terminal_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, out, summary = _compared(tmp_path, monkeypatch)
    assert done.returncode == 1, done.stdout + done.stderr
    document = json.loads(out.read_text())
    _validate(document, "comparison")
    verdicts = {b["name"]: b["time"]["verdict"] for b in document["benchmarks"]}
    assert verdicts == {
        "sqlite/fk_access/select_related/n=100": "slower",
        "sqlite/fk_access/values/n=100": "unchanged",
    }
    slower = document["benchmarks"][0]
    assert slower["time"]["ratio"] == pytest.approx(2.0, rel=0.01)
    assert slower["instructions"] is None  # neither run counted
    assert (document["decided_by"], document["regressions"], document["failed"]) == (
        "time",
        1,
        True,
    )
    written = summary.read_text()
    assert written.startswith("## an earlier step's summary\n")  # appended, never replaced
    assert "django-ormbench" in written and "select_related" in written
    (kept,) = (tmp_path / "compare").glob("*/comparison.json")
    assert json.loads(kept.read_text()) == document


def test_compare_json_with_instruction_counts_and_report_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    a = store.save_run(_side(1.0, counted=True), tmp_path)
    b = store.save_run(_side(1.05, counted=True), tmp_path)
    out = tmp_path / "c.json"
    done = in_process("compare", str(a), str(b), "--json", str(out), "--report-only",
                      f"--results={tmp_path}")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(out.read_text())
    _validate(document, "comparison")
    counted = {b["name"]: b["instructions"] for b in document["benchmarks"]}
    assert counted["sqlite/fk_access/select_related/n=100"]["verdict"] == "slower"
    assert counted["sqlite/fk_access/select_related/n=100"]["ratio"] == pytest.approx(1.05)
    assert counted["sqlite/fk_access/values/n=100"]["verdict"] == "unchanged"
    assert (document["decided_by"], document["regressions"], document["failed"]) == (
        "instructions", 1, False,
    )  # fmt: skip


def test_a_json_file_in_a_missing_folder_is_one_line_before_any_work(tmp_path: Path) -> None:
    done = in_process("compare", "HEAD", "HEAD", "--json", str(tmp_path / "no" / "c.json"))
    assert done.returncode == 1
    assert "--json" in done.stderr and "Traceback" not in done.stderr


def test_the_bmf_export_validates_and_leaves_invalid_benchmarks_out(tmp_path: Path) -> None:
    run = _side(1.0, counted=True)
    run.benchmarks[1].figures.valid = False
    run.benchmarks[0].figures.round_trips = 3
    path = store.save_run(run, tmp_path)
    out = tmp_path / "bmf.json"
    done = in_process("export", "--format", "bmf", str(path), "-o", str(out))
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    _validate(document, "bmf")
    (name,) = document
    assert name == "sqlite/fk_access/select_related/n=100"
    figures = document[name]
    assert figures["latency"]["value"] == pytest.approx(run.benchmarks[0].median * 1e9)
    assert figures["latency"]["lower_value"] <= figures["latency"]["value"]
    assert figures["latency"]["value"] <= figures["latency"]["upper_value"]
    assert (figures["instructions"]["value"], figures["queries"]["value"]) == (1e7, 1)
    assert figures["round-trips"]["value"] == 3
    assert "1 invalid left out" in done.stdout


def test_the_newest_run_exports_to_standard_output_and_no_run_is_one_line(
    tmp_path: Path,
) -> None:
    empty = in_process("export", f"--results={tmp_path}")
    assert empty.returncode == 1 and "no stored run" in empty.stderr
    store.save_run(_side(1.0), tmp_path)
    done = in_process("export", f"--results={tmp_path}")
    assert done.returncode == 0
    _validate(json.loads(done.stdout), "bmf")


def test_run_files_validate_against_the_run_schema() -> None:
    _validate(json.loads(FIXTURE_RUN.read_text()), "run")  # a real run, as the suite wrote it
    counted = _side(1.0, counted=True)
    counted.meta.machine_label = "ci-runner"
    _validate(json.loads(json.dumps(counted.as_dict())), "run")


def test_the_run_schema_names_every_figure_the_results_model_writes() -> None:
    """The schema cannot go stale: a field added to the model must be added to it."""
    defs = schema("run")["$defs"]
    assert set(defs["figures"]["properties"]) == {f.name for f in dataclasses.fields(Figures)}
    assert set(defs["meta"]["properties"]) == {f.name for f in dataclasses.fields(RunMeta)}
    wrong = json.loads(FIXTURE_RUN.read_text())
    wrong["benchmarks"][0]["extra_info"]["role"] = "fastest"
    with pytest.raises(jsonschema.ValidationError):
        _validate(wrong, "run")


def test_a_run_writes_a_job_summary_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ormbench.present import exports

    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    run = store.load_run(FIXTURE_RUN)
    assert store.append_job_summary(exports.run_summary(run)) is None
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert store.append_job_summary(exports.run_summary(run)) == target
    text = target.read_text()
    valid = sum(b.valid for b in run.benchmarks)
    assert f"{len(run.benchmarks)} benchmarks on sqlite" in text
    assert f"**{valid} valid, {len(run.benchmarks) - valid} invalid" in text
