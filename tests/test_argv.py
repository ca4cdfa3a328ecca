"""A URL given on the command line holds a password, and argv is visible to every local account
in `ps`: the command starts again with the URLs moved into its environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ormbench.cli import _without_secrets
from tests.conftest import ROOT

SECRET = "Argv5ecretPw"


@pytest.mark.fault
def test_urls_leave_argv_for_the_environment() -> None:
    kept, env = _without_secrets(
        ["run", "--db-url", f"postgresql://u:{SECRET}@h/d", "--db=sqlite",
         f"--db-url=mysql://r:{SECRET}@h/", "-k", "fk"]
    )  # fmt: skip
    assert kept == ["run", "--db=sqlite", "-k", "fk"]
    assert env["ORMBENCH_DB_URLS"].split("\n")[-2:] == [
        f"postgresql://u:{SECRET}@h/d", f"mysql://r:{SECRET}@h/"
    ]  # fmt: skip
    kept, env = _without_secrets(["history", "--store", f"postgresql://u:{SECRET}@h/index"])
    assert kept == ["history"] and env == {
        "ORMBENCH_HISTORY_STORE": f"postgresql://u:{SECRET}@h/index"
    }
    assert _without_secrets(["run", "--db", "sqlite"]) == (["run", "--db", "sqlite"], {})


@pytest.mark.fault
def test_a_running_command_shows_no_password_in_ps(tmp_path: Path) -> None:
    with socket.socket() as silent:  # a "server" that accepts and never answers: the run waits
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "ormbench", "run", "--results", str(tmp_path), "--db-url",
             f"postgresql://u:{SECRET}@127.0.0.1:{port}/x?connect_timeout=30"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            cmdline = Path(f"/proc/{proc.pid}/cmdline")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # until it has started again (empty mid-exec)
                text = cmdline.read_bytes()
                if b"ormbench" in text and b"--db-url" not in text:
                    break
                time.sleep(0.05)
            shown = cmdline.read_bytes().replace(b"\0", b" ").decode()
            assert proc.poll() is None, "the run is still going, with its URL in its environment"
            assert SECRET not in shown and "ormbench run" in shown
            # the environment, unlike argv, only the run's own account (and root) can read
            environ = Path(f"/proc/{proc.pid}/environ")
            assert SECRET.encode() in environ.read_bytes()
            assert os.stat(environ).st_mode & 0o077 == 0
        finally:
            proc.terminate()
            proc.wait(30)
