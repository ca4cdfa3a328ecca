"""Bad input: one line naming the problem, exit status 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import in_process

SECRET = "Pw9sEcReT"

BAD_INPUTS = {
    "unknown database": (["--db", "nosuchdb"], "unknown database 'nosuchdb'"),
    "unknown scale": (["--scale", "huge9"], "unknown scale 'huge9'"),
    "unknown scenario": (["--db", "sqlite", "-k", "no_such_scenario_zz"], "no scenario matches"),
    "bad -k": (["--db", "sqlite", "-k", "fk and ("], "invalid -k expression"),
    "bad url scheme": ([f"--db-url=foo://u:{SECRET}@127.0.0.1/x"], "unsupported --db-url scheme"),
    "malformed url": ([f"--db-url=postgresql://u:{SECRET}@127.0.0.1:notaport/x"], "malformed"),
    "closed port": ([f"--db-url=postgresql://u:{SECRET}@127.0.0.1:1/x"], "Connection refused"),
    "bad option": (["--no-such-option"], "unrecognized arguments"),
    "bad machine label": (["--db", "sqlite", "--machine", "a\nb"], "--machine 'a\\nb'"),
    "large scale on a user's server": (
        [f"--db-url=postgresql://u:{SECRET}@127.0.0.1:1/x", "--scale", "l"],
        "scale l loads about 2.8 million rows into your server postgresql://u@127.0.0.1:1/x: "
        "add --yes to confirm",
    ),
    "large scale, confirmed": (  # past the question: the closed port is what stops it
        [f"--db-url=postgresql://u:{SECRET}@127.0.0.1:1/x", "--scale", "l", "--yes"],
        "Connection refused",
    ),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_clear_line(case: str, tmp_path: Path) -> None:
    args, expected = BAD_INPUTS[case]
    done = in_process("run", "--results", str(tmp_path), *args)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert expected in output
    assert "Traceback" not in output
    assert SECRET not in output
    assert not list(tmp_path.glob("runs/*.json")), "nothing measured, nothing stored"


@pytest.mark.parametrize("command", ["run", "compare"])
def test_each_command_lists_the_run_options_in_its_own_help(command: str) -> None:
    from ormbench.cli import build_parser

    helps = {
        name: sub.format_help()
        for action in build_parser()._subparsers._group_actions  # type: ignore[union-attr]
        for name, sub in action.choices.items()
    }
    assert {"run", "compare", "report", "history", "perf", "list"} <= set(helps)
    for option in ("--db NAME", "--scale SCALE", "-k KEYWORD", "--measure"):
        assert option in helps[command], option


COMPARE_MISTAKES = {
    "run options with files": (["a.json", "b.json", "--db", "sqlite"], "run options --db apply"),
    "one file, one revision": (["a.json", "HEAD"], "not one of each"),
    "one django": (["--django", "5.2"], "--django A --django B"),
    "nothing to compare": ([], "compare two revisions, two run files"),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", COMPARE_MISTAKES, ids=list(COMPARE_MISTAKES))
def test_a_compare_mistake_is_one_line(case: str, tmp_path: Path) -> None:
    args, expected = COMPARE_MISTAKES[case]
    done = in_process("compare", *args, "--results", str(tmp_path))
    assert done.returncode == 1 and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_command_line_starts_without_the_charting_libraries() -> None:
    """`--help`, a refused option and a run with --no-report draw nothing: altair and matplotlib
    took 1.9 s of every start of the command (3.3 s on a busy machine), and the suite's own tests
    start it a few hundred times."""
    code = (
        "import sys, ormbench.cli; print([m for m in ('altair', 'matplotlib') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
