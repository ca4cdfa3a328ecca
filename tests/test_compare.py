"""Comparisons: A/A is quiet, a deliberate slowdown is flagged exactly, bad pairs are refused."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import store
from bench.compare import compare_samples, merge_runs
from tests.conftest import ROOT, bench


def compare(*args: str, cwd: Path = ROOT, results: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", "compare", *args, "--results", str(results)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def noisy(center: float, count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.gauss(0, 0.03)) for _ in range(count)]


def test_statistics_on_synthetic_samples() -> None:
    same = compare_samples(noisy(1.0, 30, 1), noisy(1.0, 30, 2))
    assert same[4] == "unchanged" and same[1] < 1 < same[2]
    slower = compare_samples(noisy(1.0, 30, 1), noisy(1.3, 30, 2))
    assert slower[4] == "slower" and 1.25 < slower[0] < 1.35 and slower[1] > 1.1
    faster = compare_samples(noisy(1.0, 30, 1), noisy(0.7, 30, 2))
    assert faster[4] == "faster"
    assert compare_samples([1.0, 1.1, 1.0], noisy(2.0, 30, 2))[4] == "too few rounds"
    small = compare_samples(noisy(1.0, 30, 1), noisy(1.05, 30, 2))
    assert small[4] == "unchanged", "5% is below the 10% threshold"
    assert compare_samples(noisy(1.0, 30, 1), noisy(1.05, 30, 2), threshold=0.02)[4] == "slower"


def test_a_shift_one_process_shows_and_its_repeat_does_not_is_noise() -> None:
    a, b = noisy(1.0, 40, 1), noisy(1.3, 40, 2)
    overlapping = ([1.0, 1.35], [1.3, 1.32])
    assert compare_samples(a, b, processes=overlapping)[4] == "unchanged"
    assert compare_samples(a, b, processes=([1.0, 1.01], [1.3, 1.29]))[4] == "slower"


def test_merged_runs_pool_rounds_and_keep_process_medians(xs_run: dict[str, Any]) -> None:
    doc = xs_run["doc"]
    merged = merge_runs([doc, doc])
    first, pooled = doc["benchmarks"][0], merged["benchmarks"][0]
    assert pooled["stats"]["rounds"] == 2 * first["stats"]["rounds"]
    assert pooled["stats"]["data"] == first["stats"]["data"] * 2
    assert pooled["extra_info"]["process_medians"] == [first["stats"]["median"]] * 2


def test_a_a_comparison_reports_no_significant_change(tmp_path: Path) -> None:
    done = compare(
        "HEAD",
        "HEAD",
        "--db",
        "sqlite",
        "--db",
        "postgresql",
        "--scale",
        "xs",
        "-k",
        "fk_access or iterator or columns",
        results=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "SLOWER" not in done.stdout and " faster\n" not in done.stdout
    assert re.search(r"^\d+ benchmarks: \d+ unchanged$", done.stdout, re.MULTILINE)
    summary = next((tmp_path / "compare").glob("*/summary.md")).read_text()
    assert "No significant change" in summary
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2


def test_a_deliberate_slowdown_is_flagged_exactly_and_fails(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    module = repo / "scenarios" / "fk_access.py"
    source = module.read_text()
    slowed = source.replace(
        '    """One SELECT joining books to their authors."""\n',
        '    """One SELECT joining books to their authors."""\n'
        '    __import__("time").sleep(0.003)  # the deliberate regression\n',
    )
    assert slowed != source
    module.write_text(slowed)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-qam", "slow down select_related"], check=True)
    done = compare(
        "HEAD~1",
        "HEAD",
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "-k",
        "fk_access",
        cwd=repo,
        results=tmp_path / "results",
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    flagged = sorted(
        line.split()[0] for line in done.stdout.splitlines() if line.endswith("SLOWER")
    )
    assert flagged == [
        "sqlite/fk_access/select_related/n=10",
        "sqlite/fk_access/select_related/n=100",
    ]
    assert "significant regressions" in done.stderr
    report_only = compare(
        *(str(p) for p in sorted((tmp_path / "results" / "runs").glob("*"))),
        "--report-only",
        results=tmp_path / "results",
    )
    assert report_only.returncode == 0


def test_runs_under_two_django_versions_compare(tmp_path: Path) -> None:
    venv = tmp_path / "django42"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # As the bench_django nox session does: the project, then the other Django release.
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(ROOT), "Django~=4.2.0"],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        pytest.skip(f"could not install Django 4.2: {pip.stderr.strip().splitlines()[-1:]}")
    args = [
        "run",
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "-k",
        "fk_access or prefetch",
        "--no-report",
        "--results",
        str(tmp_path / "results"),
    ]
    old = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert old.returncode == 0, old.stdout[-2000:] + old.stderr[-2000:]
    new = bench(*args[1:-2], results=tmp_path / "results")
    assert new.returncode == 0, new.stdout[-2000:]
    runs = sorted((tmp_path / "results" / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    versions = [json.loads(p.read_text())["ormbench"]["environment"]["django"] for p in runs]
    assert versions[0].startswith("4.2") and not versions[1].startswith("4.2")
    done = compare(*map(str, runs), "--report-only", results=tmp_path / "results")
    assert done.returncode == 0, done.stderr
    assert f"Django {versions[0]}" in done.stdout and f"Django {versions[1]}" in done.stdout
    assert "warning: Django" in done.stdout


@pytest.mark.parametrize("change", ["scale", "checksum"])
def test_incomparable_runs_are_refused_unless_forced(
    change: str, xs_run: dict[str, Any], tmp_path: Path
) -> None:
    other = json.loads(json.dumps(xs_run["doc"]))
    if change == "scale":
        other["ormbench"]["scale"] = "s"
    else:
        other["ormbench"]["databases"]["sqlite"]["dataset"]["checksum"] = "0" * 64
    path = store.save_run(other, tmp_path)
    refused = compare(str(xs_run["path"]), str(path), results=tmp_path)
    assert refused.returncode == 1
    assert "not comparable" in refused.stderr and "Traceback" not in refused.stderr
    forced = compare(str(xs_run["path"]), str(path), "--force", "--report-only", results=tmp_path)
    assert forced.returncode == 0 and "warning:" in forced.stdout


def test_a_revision_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    done = compare("no-such-revision-zz", "HEAD", results=tmp_path)
    assert done.returncode == 1
    assert "no such git revision 'no-such-revision-zz'" in done.stderr
    assert "Traceback" not in done.stderr
