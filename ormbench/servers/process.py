"""A server's processes: started as a direct child in a session of its own, with a scrubbed
environment, as its own account where it refuses root; stopped on every exit path; its setup
commands run quietly, one line when they fail. Credentials it starts with are made here too."""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ormbench.errors import BenchError
from ormbench.servers.base import STOP_TIMEOUT, free_port, signals_deferred

PORT_ATTEMPTS = 3  # another process may take the free port between our probe and the bind
START_TIMEOUT = 60.0  # seconds; a cold initdb + start takes about 1 s here, a loaded CI box more
# What a server process inherits of the run's environment: enough to run, nothing more. The run
# may hold a user's URL and password (ORMBENCH_DB_URLS), which a superuser session could read
# back from /proc/self/environ (pg_read_file).
SERVER_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ")


def server_environment(**extra: str) -> dict[str, str]:
    """The environment a server or its setup command runs with (`SERVER_ENVIRONMENT`)."""
    return {k: os.environ[k] for k in SERVER_ENVIRONMENT if k in os.environ} | extra


def new_password() -> str:
    """A throwaway server's superuser password: only the run knows it, so no other account
    on the machine can log in while the server lives (it travels to the workers in their
    environment, never on a command line)."""
    return secrets.token_urlsafe(24)


def private_file(folder: Path, name: str, text: str, owner: pwd.struct_passwd | None) -> Path:
    """`text` in a file only its owner (the server's account) can read."""
    path = folder / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return path


def _run_as(owner: pwd.struct_passwd | None) -> dict[str, Any]:
    """subprocess arguments that drop to `owner` (no supplementary groups); none when None."""
    if owner is None:
        return {}
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


def start_process(
    argv: list[str], log: Path, owner: pwd.struct_passwd | None = None
) -> subprocess.Popen[bytes]:
    """Start a server as a direct child in its own session.

    Its own session keeps a terminal's Ctrl-C away from it: the harness stops it, in order,
    after the work that uses it has been interrupted.
    """
    user_kwargs = _run_as(owner)
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=server_environment(),
            **user_kwargs,
        )


@contextlib.contextmanager
def running(
    command: Callable[[int], tuple[list[str], Path]],
    ready: Callable[[int], object],
    *,
    what: str,
    stop_signal: signal.Signals,
    bind_error: str,
    owner: pwd.struct_passwd | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """Start a server on a free port (retrying if another process wins the port) and yield
    (process, port) once `ready(port)` succeeds. The server is stopped on every exit path,
    Ctrl-C during the start included."""
    proc = None
    try:
        for attempt in range(PORT_ATTEMPTS):
            port = free_port()
            argv, log = command(port)
            with signals_deferred():
                proc = start_process(argv, log, owner)
            try:
                wait_until_ready(proc, functools.partial(ready, port), what, log)
                break
            except BenchError:
                stop_process(proc, stop_signal)
                proc = None
                lost_the_port = bind_error in log.read_text(errors="replace")
                if attempt == PORT_ATTEMPTS - 1 or not lost_the_port:
                    raise
        assert proc is not None
        yield proc, port
    finally:
        if proc is not None:
            stop_process(proc, stop_signal)


def stop_process(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Ask a server to shut down, then insist."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until_ready(
    proc: subprocess.Popen[bytes], connect: Callable[[], object], what: str, log: Path
) -> None:
    """Poll `connect` until it succeeds; fail with the server's last log line if it exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise BenchError(f"{what} exited during start: {last_line(log)}")
        try:
            connect()
            return
        except Exception:  # noqa: BLE001 - any failure to connect means "not yet"
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{what} did not accept connections within {START_TIMEOUT:.0f} s: "
                    f"{last_line(log)}"
                ) from None
            time.sleep(0.05)


def last_line(log: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1].strip()
    return "(no log output)"


def run_quietly(
    argv: list[str],
    what: str,
    owner: pwd.struct_passwd | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run a setup command (initdb, install-db); on failure say which and show its last line.

    initdb and install-db start server processes of their own that write into the folder: when
    interrupted, the whole process group is killed, so none outlives the folder's removal."""
    proc = None
    try:
        with signals_deferred():  # ends inside the try: a held signal lands in the except
            proc = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
                env=server_environment(**(env or {})),
                **_run_as(owner),
            )
        out, err = proc.communicate()
    except BaseException:
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        raise
    if proc.returncode != 0:
        output = (err or out).strip().splitlines() or ["(no output)"]
        # MariaDB ends on a bare "[ERROR] Aborting": the line that says why comes before it.
        telling = [line for line in output if not line.rstrip().endswith("Aborting")] or output
        raise BenchError(f"{what} failed (exit {proc.returncode}): {telling[-1]}")
