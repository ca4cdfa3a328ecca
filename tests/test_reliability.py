"""Interruptions, dying servers, concurrent runs and credentials, against real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from ormbench.servers import Database
from tests.conftest import (
    BenchProcess,
    bench,
    in_process,
    newest_run,
    ormbench_folders,
    ormbench_processes,
)
from tests.faults import left_behind

SECRET = "Pw9sEcReT"


def new_folder(kind: str, before: set[Path], timeout: float = 60) -> Path:
    """The new folder of a `kind` server: "postgresql" is the primary's, never its replica's
    ("ormbench-postgresql-replica-..."), which may not have started its server yet."""
    deadline = time.monotonic() + timeout
    name = re.compile(rf"ormbench-{kind}-\d+-[a-z0-9_]{{8}}")
    while time.monotonic() < deadline:
        fresh = [f for f in set(ormbench_folders()) - before if name.fullmatch(f.name)]
        if fresh:
            return fresh[0]
        time.sleep(0.01)
    raise AssertionError(f"no {kind} server folder appeared")


def run_files(results: Path) -> list[Path]:
    return sorted((results / "runs").glob("*")) if (results / "runs").exists() else []


@pytest.mark.fault
@pytest.mark.parametrize(
    ("phase", "how"),
    [
        ("server start", "SIGTERM"),
        ("dataset load", "SIGINT"),
        ("timing", "SIGINT"),
        ("timing", "SIGTERM"),
        ("timing", "SIGINT to a background job"),
    ],
)
@pytest.mark.servers
def test_interrupt_stops_servers_and_writes_nothing_half(
    phase: str, how: str, tmp_path: Path
) -> None:
    processes, folders = set(ormbench_processes()), set(ormbench_folders())
    run = BenchProcess(
        "--db",
        "postgresql",
        "--db",
        "mysql",
        "--scale",
        "xs",
        results=tmp_path,
        background="background" in how,
    )
    if phase == "server start":
        new_folder("postgresql", folders)
    else:
        run.wait_for("== postgresql: postgresql://")
        time.sleep(0.1 if phase == "dataset load" else 4)
    if how.startswith("SIGINT"):
        run.signal_group(signal.SIGINT)  # Ctrl-C in a terminal
    else:
        os.kill(run.proc.pid, signal.SIGTERM)  # `kill PID`: the parent alone
    code = run.finish(120)
    assert code == 130, run.output[-2000:]
    assert "Traceback" not in run.output
    assert left_behind(processes, folders) == (set(), set())
    assert run_files(tmp_path) == [], "an interrupted run stores nothing"


@pytest.mark.fault
@pytest.mark.servers
def test_after_sigkill_the_next_run_removes_what_the_dead_run_left(tmp_path: Path) -> None:
    folders = set(ormbench_folders())
    run = BenchProcess("--db", "postgresql", "--scale", "s", results=tmp_path)
    run.wait_for("== postgresql: postgresql://")
    orphan = new_folder("postgresql", folders)
    run.signal_group(signal.SIGKILL)
    run.finish(30)
    time.sleep(0.5)
    assert orphan.exists() and any(str(orphan) in p for p in ormbench_processes()), (
        "precondition: SIGKILL left the server behind"
    )
    done = bench(
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "--rounds",
        "1",
        "-k",
        "fk_access-select_related-n10",
        results=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert not orphan.exists()
    assert not any(str(orphan) in p for p in ormbench_processes())


@pytest.mark.fault
@pytest.mark.servers
def test_a_server_dying_mid_run_is_reported_and_the_rest_still_runs(tmp_path: Path) -> None:
    processes, folders = set(ormbench_processes()), set(ormbench_folders())
    run = BenchProcess(
        "--db",
        "postgresql",
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "--rounds",
        "1",  # what is asserted is which database failed, not the timing
        "-k",
        "not counter_race",
        results=tmp_path,
    )
    run.wait_for("== postgresql: postgresql://")
    folder = new_folder("postgresql", folders)
    time.sleep(5)  # the dataset is loaded and cases are being timed
    postmaster = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    code = run.finish(600)
    assert code == 1
    assert "FAILED postgresql" in run.output
    assert "Traceback" not in run.output
    doc = newest_run(tmp_path)
    # Killed while timing, its cases failed; killed before the first (the baseline digest),
    # the database itself failed: either way postgresql, and only it.
    failed = {f["database"] for f in doc["ormbench"]["failed"]}
    broken = {name for name, piece in doc["ormbench"]["databases"].items() if piece.get("error")}
    assert failed | broken == {"postgresql"}
    measured = {b["extra_info"]["database"] for b in doc["benchmarks"]}
    assert "sqlite" in measured, "the databases after the dead one still ran"
    assert left_behind(processes, folders) == (set(), set())


@pytest.mark.fault
@pytest.mark.servers
def test_two_runs_at_once_do_not_collide(tmp_path: Path) -> None:
    args = (
        "--db",
        "postgresql",
        "--db",
        "mysql",
        "--db",
        "sqlite",
        "--scale",
        "xs",
        "--rounds",
        "1",
        "-k",
        "fk_access",
    )
    first, second = BenchProcess(*args, results=tmp_path), BenchProcess(*args, results=tmp_path)
    assert (first.finish(), second.finish()) == (0, 0), first.output + second.output
    files = run_files(tmp_path)
    assert len(files) == 2
    for path in files:
        assert len(json.loads(path.read_text())["benchmarks"]) == 3 * 4


@pytest.fixture
def mysql_user(mysql_server: Database) -> str:
    """A MariaDB account with a password, on the session's throwaway server."""
    import MySQLdb

    entry = mysql_server.django
    conn = MySQLdb.connect(
        host="127.0.0.1", port=int(entry["PORT"]), user="root", password=entry["PASSWORD"]
    )
    cursor = conn.cursor()
    cursor.execute(f"CREATE USER IF NOT EXISTS 'bench'@'%' IDENTIFIED BY '{SECRET}'")
    cursor.execute("GRANT ALL PRIVILEGES ON *.* TO 'bench'@'%'")
    conn.close()
    return f"127.0.0.1:{mysql_server.django['PORT']}"


def everything_written(results: Path) -> str:
    return "".join(
        p.read_text(errors="replace")
        for p in results.rglob("*")
        if p.is_file() and p.suffix in {".json", ".html"}
    )


@pytest.mark.fault
@pytest.mark.servers
@pytest.mark.parametrize("given", ["--db-url", "environment"])
def test_a_password_never_reaches_output_results_or_report(
    given: str, mysql_user: str, tmp_path: Path
) -> None:
    url = f"mysql://bench:{SECRET}@{mysql_user}/"
    args = ["--scale", "xs", "--rounds", "1", "-k", "fk_access"]
    if given == "--db-url":
        done = bench(*args, "--db-url", url, results=tmp_path)
    else:
        done = bench("--db", "mysql", *args, results=tmp_path, ORMBENCH_MYSQL_URL=url)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "mysql://bench@" in done.stdout
    assert SECRET not in done.stdout + done.stderr
    assert (tmp_path / "report" / "index.html").is_file()
    assert SECRET not in everything_written(tmp_path)


@pytest.mark.bad_input
def test_a_wrong_password_is_one_line_without_the_password(mysql_user: str, tmp_path: Path) -> None:
    done = bench(
        "--db-url", f"mysql://bench:{SECRET}x@{mysql_user}/", "--scale", "xs", results=tmp_path
    )
    assert done.returncode == 1
    assert "Access denied" in done.stdout
    assert SECRET not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.fault
def test_missing_server_binaries_name_what_to_install(tmp_path: Path) -> None:
    done = in_process("run", "--db", "mysql", "--server", "embedded", f"--results={tmp_path}")
    assert done.returncode == 1
    assert "install mariadb-server" in done.stdout
    assert "nothing was measured" in done.stderr


@pytest.mark.bad_input
@pytest.mark.parametrize(
    "content",
    ["{broken", json.dumps({"benchmarks": [], "ormbench": {"schema_version": 99}})],
    ids=["corrupt", "unknown schema"],
)
def test_report_of_a_bad_results_file_is_one_line(content: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = in_process("report", str(path), "--results", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


@pytest.mark.fault
def test_unwritable_results_folder_fails_before_any_server_starts(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    folders = set(ormbench_folders())
    done = in_process("run", "--db", "postgresql", "--scale", "xs", f"--results={blocker}")
    assert done.returncode == 1
    assert "not writable" in done.stderr and "Traceback" not in done.stderr
    assert set(ormbench_folders()) == folders


REPLICA_PIDFILE = {"postgresql": "data/postmaster.pid", "mysql": "mysqld.pid"}


@pytest.mark.fault
@pytest.mark.servers
@pytest.mark.parametrize(
    ("database", "ending"),
    [
        ("postgresql", "success"),
        ("postgresql", "failure"),
        ("postgresql", "Ctrl-C"),
        ("mysql", "success"),
        ("mysql", "failure"),
    ],
)
def test_the_replica_is_stopped_and_removed_on_every_exit_path(
    database: str, ending: str, tmp_path: Path
) -> None:
    """A run that reads from a replica starts one beside its PostgreSQL (streaming) or MariaDB
    (binary-log replication); its reads are held to the primary's answers; whether the run ends
    well, fails (the replica killed under it) or is interrupted, neither server nor folder
    stays."""
    processes, folders = set(ormbench_processes()), set(ormbench_folders())
    run = BenchProcess(
        *("--db", database, "--scale", "xs", "--rounds", "1"),
        *("-k", "read_your_writes or replica_reads"),
        results=tmp_path,
    )
    run.wait_for("(replica), ready")
    replica = new_folder(f"{database}-replica", folders)
    assert any(str(replica) in p for p in ormbench_processes()), "the replica runs"
    expected = 0
    if ending == "Ctrl-C":
        time.sleep(2)
        run.signal_group(signal.SIGINT)
        expected = 130
    elif ending == "failure":
        standby = int((replica / REPLICA_PIDFILE[database]).read_text().split()[0])
        os.kill(standby, signal.SIGKILL)
        expected = 1
    code = run.finish(300)
    assert code == expected, run.output[-3000:]
    assert "Traceback" not in run.output
    assert left_behind(processes, folders) == (set(), set())
    if ending == "success":
        found = [
            b["extra_info"] for b in json.loads(run_files(tmp_path)[-1].read_text())["benchmarks"]
        ]
        assert len(found) == 8 and all(info["valid"] for info in found), found
        routed = [i for i in found if i["variant"] == "router_read"]
        assert all(i["recorded"]["stale_reads"] >= 0 for i in routed)


SIGKILL_PHASES = {
    # phase: (the run's arguments, what it printed before the kill, seconds after that)
    "server start": (("--db", "postgresql"), None, 0.0),
    "dataset load": (("--db", "postgresql"), "== postgresql: postgresql://", 0.1),
    "timing": (("--db", "postgresql"), "== postgresql: postgresql://", 5.0),
    "counting": (
        ("--db", "sqlite", "--measure", "instructions", "-k", "fk_access"),
        "== counting instructions under callgrind",
        3.0,
    ),
    "report": (("--db", "sqlite", "-k", "fk_access or columns"), "results: ", 0.0),
}


@pytest.mark.fault
@pytest.mark.servers
@pytest.mark.parametrize("phase", list(SIGKILL_PHASES))
def test_sigkill_at_every_phase_loses_nothing_and_clean_leaves_nothing(
    phase: str, tmp_path: Path
) -> None:
    """SIGKILL gives the run no time to clean up: whatever it left (a server, its folder, a
    valgrind worker) `ormbench clean` removes, and the user's files in the results folder are
    as they were; a run file, if one was stored, is whole."""
    folders = set(ormbench_folders())
    mine = tmp_path / "runs" / "mine.json"
    mine.parent.mkdir()
    mine.write_text('{"my": "own file"}')
    arguments, marker, wait = SIGKILL_PHASES[phase]
    run = BenchProcess(*arguments, "--scale", "xs", "--rounds", "1", results=tmp_path)
    if marker is None:  # as soon as its folder names its owner (before that, clean waits 60 s)
        started = new_folder("postgresql", folders)
        while not (started / "owner.json").exists():
            time.sleep(0.001)
    else:
        run.wait_for(marker, timeout=300)
        time.sleep(wait)
    run.signal_group(signal.SIGKILL)
    run.finish(30)
    # its own folders (another run on this machine may have some of its own meanwhile)
    ours = [f for f in set(ormbench_folders()) - folders if _owner(f) == run.proc.pid]
    if phase != "report":  # by then the run has stopped its servers
        assert ours, "precondition: SIGKILL left the run's folders behind"
    cleaned = in_process("clean", "--results", str(tmp_path))
    assert cleaned.returncode == 0 and "Traceback" not in cleaned.stdout + cleaned.stderr
    deadline = time.monotonic() + 30  # a worker under valgrind ends at its parent-death signal
    while any(str(f) in p for p in ormbench_processes() for f in ours):
        assert time.monotonic() < deadline, "a server of the killed run still runs"
        time.sleep(0.2)
    assert not [f for f in ours if f.exists()]
    assert mine.read_text() == '{"my": "own file"}'
    stored = set(run_files(tmp_path)) - {mine}
    for path in stored:
        assert json.loads(path.read_text())["benchmarks"], f"{path.name} is whole"
    if phase == "report":
        assert stored, "the run was stored before its report"
        half = [p for p in tmp_path.rglob("*") if ".tmp" in p.name or p.name.startswith(".")]
        assert half == [], f"half-written files: {half}"


def _owner(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / "owner.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None
