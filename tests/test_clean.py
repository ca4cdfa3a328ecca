"""`ormbench clean`: what killed runs left is found and removed, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ormbench.errors import BenchError
from tests.conftest import git_repo, in_process

KILLED_RUN = """
import subprocess, sys, time
from ormbench.servers.base import workspace
with workspace("postgresql") as folder:
    server = subprocess.Popen(["sleep", "300", str(folder)])  # its command line names the folder
    (folder / "server.pid").write_text(str(server.pid))
    print(folder, server.pid, flush=True)
    time.sleep(300)
"""


def _dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def _running(pid: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.fault
def test_clean_removes_what_a_killed_run_left_and_nothing_of_the_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ORMBENCH_CACHE", str(cache))
    # A run killed with its server up: the folder and the server process stay behind.
    run = subprocess.Popen([sys.executable, "-c", KILLED_RUN], stdout=subprocess.PIPE, text=True)
    folder_text, server_pid = run.stdout.readline().split()  # type: ignore[union-attr]
    folder = Path(folder_text)
    run.send_signal(signal.SIGKILL)
    run.wait()
    # A repository with a record of the suite's worktree (gone) and one of the user's own.
    repo = tmp_path / "repo"
    git = git_repo(repo)
    ours = folder / "tree"
    subprocess.run([*git, "worktree", "add", "-q", "--detach", str(ours)], check=True)
    mine = tmp_path / "mine"
    subprocess.run([*git, "worktree", "add", "-q", "--detach", str(mine)], check=True)
    # A venv build and a cache file cut short, beside a build still going on.
    dead = _dead_pid()
    half = cache / "venvs" / "django-5.2-py3.11-suiteabc"
    half.mkdir(parents=True)
    half.with_name(f"{half.name}.ormbench-building").write_text(str(dead))
    going = cache / "venvs" / "django-6.0-py3.12-suiteabc"
    going.mkdir()
    going.with_name(f"{going.name}.ormbench-building").write_text(str(os.getpid()))
    partial = cache / f".dataset-v5-xs-1-faker40.pickle.{dead}.tmp"
    partial.write_bytes(b"half")
    monkeypatch.chdir(repo)

    done = in_process("clean")
    assert done.returncode == 0, done.stderr
    assert not folder.exists() and not ours.exists()
    deadline = time.monotonic() + 5
    while _running(server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(server_pid), "the killed run's server was stopped"
    records = {p.name for p in (repo / ".git" / "worktrees").iterdir()}
    assert records == {"mine"} and mine.is_dir()
    assert not half.exists() and going.exists() and not partial.exists()
    for line in (
        f"removed server folder: {folder}",
        f"removed worktree record: {ours}",
        f"removed unfinished venv: {half}",
        f"removed partial cache file: {partial}",
    ):
        assert line in done.stdout  # others' leftovers on this machine may be listed too
    again = in_process("clean")
    assert str(folder) not in again.stdout and str(half) not in again.stdout


KILLED_ON_USERS_SERVER = """
import os, signal, sys
from ormbench.servers.url import own_database, parse
with own_database(parse(os.environ["ORMBENCH_TEST_URL"])) as db:
    print(db.django["NAME"], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no finally runs: the database stays
"""


@pytest.mark.fault
def test_databases_a_killed_run_made_on_a_users_server_are_dropped_and_no_others(
    postgresql_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ormbench.servers import registry
    from ormbench.servers import url as ledger
    from ormbench.servers.url import parse

    settings = postgresql_server.django
    url = (f"postgresql://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
           f"{settings['PORT']}/{settings['NAME']}")  # fmt: skip
    monkeypatch.setenv("ORMBENCH_CACHE", str(tmp_path))  # a ledger of this test's own
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_ON_USERS_SERVER], capture_output=True, text=True,
        env={**os.environ, "ORMBENCH_TEST_URL": url}, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    left = killed.stdout.strip()
    server = parse(url)
    backend = registry.backend("postgresql")
    backend.administer(server, backend.create_sql("ormbench_usersown"), create=True)
    ledger.record(server, "ormbench_running", pid=os.getpid())  # a live run's: kept
    try:
        listed = in_process("clean")
        assert f"left on your server: postgresql://{settings['USER']}@" in listed.stdout
        assert left in listed.stdout and _databases(server) >= {left, "ormbench_usersown"}
        done = in_process("clean", "--db-url", url)
        assert done.returncode == 0, done.stderr
        assert f"removed database on your server: postgresql://{settings['USER']}@" in done.stdout
        assert left not in _databases(server) and "ormbench_usersown" in _databases(server)
        assert [line["database"] for line in ledger.recorded_left()] == []
        assert settings["PASSWORD"] not in ledger.ledger_path().read_text() + done.stdout
        assert oct(ledger.ledger_path().stat().st_mode & 0o777) == "0o600"
    finally:
        backend.administer(server, backend.drop_sql("ormbench_usersown"), create=False)


def _databases(server: Any) -> set[str]:
    from ormbench.servers import postgresql

    connection = postgresql.connect(server, connect_timeout=10)
    try:
        rows = connection.execute("SELECT datname FROM pg_database").fetchall()
    finally:
        connection.close()
    return {name for (name,) in rows}


BUILDING_VENV = """
import signal, sys, time
from pathlib import Path
from ormbench.parent import djangos

def interrupt(signum, frame):  # as the command line has it (ormbench.cli)
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, interrupt)
stall = sys.argv[1]

def uv(*args):
    if args[0] == "venv":  # uv's first file is the interpreter
        Path(args[-1], "bin").mkdir(parents=True)
        Path(args[-1], "bin", "python").write_text("")
    if args[0] == stall:
        print("stalled", flush=True)
        time.sleep(300)

djangos._uv = uv
djangos._venv("django-5.2", Path(sys.executable), ["django==5.2"])
"""


@pytest.mark.fault
@pytest.mark.parametrize("stall", ["venv", "pip"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_django_venv_build_cut_short_is_never_reused_and_clean_removes_it(
    stall: str, sig: signal.Signals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM unwinds the build and removes the venv; SIGKILL leaves it, named as unfinished
    beside it, and `clean` or the next build removes it. Killed while uv made the interpreter,
    the venv once looked finished and was reused without Django in it."""
    monkeypatch.setenv("ORMBENCH_CACHE", str(tmp_path))
    build = subprocess.Popen(
        [sys.executable, "-c", BUILDING_VENV, stall], stdout=subprocess.PIPE, text=True
    )
    assert build.stdout is not None and build.stdout.readline() == "stalled\n"
    build.send_signal(sig)
    assert build.wait(timeout=30) != 0
    from ormbench.parent import djangos

    venvs = tmp_path / "venvs"
    if sig == signal.SIGTERM:
        assert list(venvs.iterdir()) == []
        return
    [half] = [p for p in venvs.iterdir() if p.is_dir()]
    assert (half / "bin" / "python").is_file(), "precondition: the interpreter was made"
    monkeypatch.chdir(tmp_path)
    done = in_process("clean", "--results", str(tmp_path / "results"))
    assert f"removed unfinished venv: {half}\n" in done.stdout
    assert list(venvs.iterdir()) == []
    assert djangos.reap_unfinished() == []


@pytest.mark.fault
def test_the_next_build_rebuilds_a_venv_whose_builder_was_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ormbench.parent import djangos

    monkeypatch.setenv("ORMBENCH_CACHE", str(tmp_path))
    calls: list[str] = []

    def uv(*args: str) -> None:
        calls.append(args[0])
        if args[0] == "venv":
            Path(args[-1], "bin").mkdir(parents=True)
            Path(args[-1], "bin", "python").write_text("")

    monkeypatch.setattr(djangos, "_uv", uv)
    built = djangos._venv("django-5.2", Path(sys.executable), ["django==5.2"])
    assert calls == ["venv", "pip"]
    marker = built.parent.parent.with_name(f"{built.parent.parent.name}.ormbench-building")
    assert not marker.exists()
    assert djangos._venv("django-5.2", Path(sys.executable), ["django==5.2"]) == built
    assert calls == ["venv", "pip"], "a finished venv is reused"
    marker.write_text(str(_dead_pid()))  # its builder killed before it ended
    assert djangos._venv("django-5.2", Path(sys.executable), ["django==5.2"]) == built
    assert calls == ["venv", "pip", "venv", "pip"] and not marker.exists()
    marker.write_text(str(os.getppid()))  # another run, building it now
    with pytest.raises(BenchError, match="is building django-5.2"):
        djangos._venv("django-5.2", Path(sys.executable), ["django==5.2"])
