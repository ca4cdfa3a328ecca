"""The Docker path against a stand-in `docker` client (no engine runs on our CI box): what the
suite asks of compose, with which environment, and what `clean` removes."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from ormbench.servers import docker, registry
from tests.conftest import in_process

# Logs each call's arguments, and the environment compose was given, one line each (to files
# named in it: compose gets none of the run's environment); `ps` lists the projects in ps.txt,
# as the real one does with the --format the suite asks.
FAKE_DOCKER = """#!/bin/sh
echo "argv: $*" >> {log}
echo "password: ${{ORMBENCH_PASSWORD:-}} host: ${{ORMBENCH_HOST:-}} urls: ${{ORMBENCH_DB_URLS:-}}" \
  >> {log}
if [ "$1" = ps ]; then cat {ps}; fi
exit 0
"""


@pytest.fixture
def fake_docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in on PATH; returns its log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "docker.log"
    log.touch()
    client = bin_dir / "docker"
    client.write_text(FAKE_DOCKER.format(log=log, ps=tmp_path / "ps.txt"))
    client.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("ORMBENCH_DB_URLS", "postgresql://me:secret@db.example/app")
    return log


def _dead_pid() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


@pytest.mark.fault
def test_a_container_gets_a_password_of_its_own_in_composes_environment_only(
    fake_docker: Path,
) -> None:
    with docker.container(registry.backend("postgresql")) as db:
        password = db.django["PASSWORD"]
    log = fake_docker.read_text()
    assert len(password) >= 24 and password != "ormbench"
    assert f"password: {password} host: {socket.gethostname()} urls: \n" in log
    argv = [line for line in log.splitlines() if line.startswith("argv:")]
    assert [line.split(" -p ")[1].split()[1:3] for line in argv] == [["up", "-d"], ["down", "-v"]]
    assert all(password not in line for line in argv)
    with docker.container(registry.backend("postgresql")) as again:
        assert again.django["PASSWORD"] != password


@pytest.mark.fault
def test_clean_removes_the_containers_of_this_hosts_dead_runs_only(
    fake_docker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead, live = f"ormbench-{_dead_pid()}-postgresql", f"ormbench-{os.getpid()}-mysql"
    (tmp_path / "ps.txt").write_text(f"{dead}\n{dead}\n{live}\nsomeone-elses-project\n")
    monkeypatch.chdir(tmp_path)

    done = in_process("clean", "--results", str(tmp_path / "results"))

    assert done.returncode == 0, done.stderr
    assert f"removed container: {dead}\n" in done.stdout
    calls = [line for line in fake_docker.read_text().splitlines() if line.startswith("argv:")]
    listing = next(line for line in calls if " ps " in line)
    assert f"--filter label={docker.HOST_LABEL}={socket.gethostname()}" in listing
    downs = [line for line in calls if " down " in line]
    assert downs == [f"argv: compose -f {docker.COMPOSE_FILE} -p {dead} down -v --timeout 10"]
    assert "secret" not in fake_docker.read_text()  # the user's URLs stay with the run
