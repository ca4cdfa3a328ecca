"""Bad input: one line naming the problem, exit status 1, never a traceback."""

from __future__ import annotations

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
}


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
