"""Text that comes from a user's command line or a run file is data, never a command."""

from __future__ import annotations

import shlex
from pathlib import Path

from ormbench.analysis.history.detect import Change, Series
from ormbench.present.history_site import bisect_command
from tests.conftest import in_process


def test_a_commit_range_that_is_an_option_is_refused_before_git_sees_it(tmp_path: Path) -> None:
    written = tmp_path / "x"
    done = in_process("run", f"--commits=--output={written}..HEAD", "--db", "sqlite")
    assert done.returncode == 1 and "--commits takes a range A..B" in done.stderr
    assert not written.exists() and not list(tmp_path.iterdir())


def test_the_suggested_bisect_command_quotes_every_word_from_a_run_file() -> None:
    hostile = "fk_access; touch /tmp/owned #"
    series = Series(
        ("host", "cpu", "xs", "sqlite", "py3.11", hostile, "select_related $(id)", 100), [], False
    )
    change = Change(series, "a" * 40, "b" * 40, "time", "slower", 1.0, 1.5)
    words = shlex.split(bisect_command(change))
    assert words[:5] == ["nox", "-s", "compare", "--", "a" * 12]
    assert words[-2:] == ["-k", "fk_access; touch /tmp/owned # and select_related $(id)"]
