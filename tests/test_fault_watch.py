"""The fault suite's watch (`tests/faults.py`) sees what a fault test leaves: a new server folder,
a dead process's half-written file, a half-written run file. A watch that could not see them
would let every fault test pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ormbench.servers.base import WORKSPACE_PREFIX, workspace_root
from tests import faults
from tests.conftest import ROOT


def test_a_new_server_folder_is_a_leftover_and_an_old_one_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(faults, "LEFTOVER_GRACE", 0.2)
    before = faults.servers_and_folders()
    left = Path(tempfile.mkdtemp(prefix=f"{WORKSPACE_PREFIX}watch-", dir=workspace_root()))
    try:
        assert faults.left_behind(*before) == (set(), {left})
        assert faults.left_behind(*faults.servers_and_folders()) == (set(), set())
    finally:
        shutil.rmtree(left)


def test_a_dead_writers_staging_file_is_half_written_a_live_ones_and_the_users_are_not(
    tmp_path: Path,
) -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    (tmp_path / "runs").mkdir()
    dead = tmp_path / "runs" / f".20261207T010945Z_bb049680_xs-{ended.pid}-abcdef01.tmp"
    cache = tmp_path / f".s-v6.pickle.{ended.pid}.tmp"
    for path in (
        dead,
        cache,
        tmp_path / f".report-{os.getpid()}-0011aabb",  # a build still going on
        tmp_path / ".gitignore",
    ):
        path.write_text("x")
    assert sorted(faults.half_written(tmp_path)) == sorted([dead, cache])


def test_run_files_are_counted_whole_or_half_and_the_users_own_left_out(tmp_path: Path) -> None:
    runs = tmp_path / "results" / "runs"
    runs.mkdir(parents=True)
    (runs / "20261207T010945Z_bb049680_xs.json").write_text('{"ormbench": {}, "benchmarks": []}')
    (runs / "20261207T011000Z_bb049680_xs.json").write_text('{"ormbench": {"sca')
    (runs / "mine.json").write_text("not a run")
    assert faults.run_files(tmp_path) == (1, 1)


INNER_TESTS = """
import subprocess

import pytest


@pytest.mark.fault
def test_leaves_a_dead_writers_file(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "20261207T010945Z_bb049680_xs.json").write_text('{"ormbench": {}}')
    (tmp_path / "runs" / f".20261207T010946Z_bb049680_xs-{ended.pid}-abcdef01.tmp").write_text("x")


@pytest.mark.bad_input
def test_holds():
    pass
"""


def test_the_tally_adds_up_what_pytest_xdist_workers_saw(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nox -s tests` runs the suite on pytest-xdist workers: each test's figures reach the
    controller, which prints the tally, with its teardown report."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeini("[pytest]\nmarkers =\n    fault: f\n    bad_input: b\n")
    pytester.makeconftest('pytest_plugins = ["tests.faults"]\n')
    pytester.makepyfile(test_inner=INNER_TESTS)
    done = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    done.assert_outcomes(passed=2, errors=1)  # the watch fails the first in its teardown
    done.stdout.fnmatch_lines(
        [
            "fault suite: 1 faults injected and 1 bad inputs tried; 1 held, 1 failed, 0 skipped;"
            " run files found afterwards: 1 whole, 0 half-written; leftovers found: 1 *"
        ]
    )
