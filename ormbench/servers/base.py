"""What every server path shares: the Database value, temporary folders, ports, processes.

A throwaway server lives in a folder `ormbench-*` under the temporary folder (`workspace_root`)
that records its owner's pid. If a run
dies without cleaning up (SIGKILL), the next run finds folders whose owner is gone, stops the
server recorded there and removes the folder (`reap_orphans`).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ormbench.errors import BenchError

WORKSPACE_PREFIX = "ormbench-"
OWNER_FILE = "owner.json"
STOP_TIMEOUT = 30.0  # seconds a server has to stop before it is killed
USERS_SERVER = "your server (--db-url)"  # the origin of a database on a server given by URL
# Socket paths are limited to 107 bytes, and a server's socket lies in its folder (the longest,
# `<root>/ormbench-postgresql-replica-<pid>-<8>/.s.PGSQL.<port>`, takes 61 of them beyond the root).
SHORT_ROOT = 40


@dataclass(frozen=True)
class Database:
    """A database ready for a run.

    `django` is the DATABASES entry and may hold a password: it is passed to the worker through
    its environment and never printed. `display` is the safe description for logs and results.
    """

    name: str
    vendor: str
    django: dict[str, Any]
    origin: str
    display: str
    startup_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, str] = field(default_factory=dict)
    """What the suite did to the server, as applied: `no_fsync` ("applied", or "not applied:
    why"), `data_filesystem` of the data directory, `buffers`. Recorded with the run."""


@dataclass(frozen=True)
class ServerURL:
    vendor: str  # the backend's name
    host: str
    port: int
    user: str
    password: str
    database: str
    options: tuple[tuple[str, str], ...] = ()  # the URL's query (?sslmode=...): the driver's

    @property
    def safe_display(self) -> str:
        """The URL without its password."""
        return f"{self.vendor}://{self.user}@{self.host}:{self.port}/{self.database}"

    def scrub(self, text: str) -> str:
        return text.replace(self.password, "***") if self.password else text

    @classmethod
    def of_database(cls, db: Database, vendor: str) -> ServerURL:
        """The server holding `db`, reached with `db`'s own credentials."""
        settings = db.django
        return cls(
            vendor,
            settings["HOST"],
            int(settings["PORT"]),
            settings["USER"],
            settings["PASSWORD"],
            settings["NAME"],
        )


def cache_root() -> Path:
    """Where the suite keeps files between runs: datasets, venvs, the ledger of databases on
    users' servers (ORMBENCH_CACHE moves it)."""
    return Path(os.environ.get("ORMBENCH_CACHE") or Path.home() / ".cache" / "django-ormbench")


def left_behind(exc: BenchError, name: str) -> None:
    """A database the run made on a user's server and could not drop: said on stderr, never
    raised from the cleanup that found it."""
    print(
        f"warning: {exc}; database {name} is left on the server: drop it by hand", file=sys.stderr
    )


def applied(data: Path, no_fsync: bool, buffer_mb: int | None) -> dict[str, str]:
    """The setup facts of a server the suite started itself."""
    return {
        "no_fsync": "applied" if no_fsync else "not requested",
        "data_filesystem": filesystem_of(data),
        "buffers": f"{buffer_mb} MB, scaled to the dataset" if buffer_mb else "server default",
    }


def filesystem_of(path: Path) -> str:
    """The type of the filesystem holding `path` (ext4, tmpfs, overlay...), from /proc/mounts."""
    target = os.path.realpath(path)
    best, kind = "", "unknown"
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = fields[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) > len(best):
            best, kind = mount, fields[2]
    return kind


def free_port() -> int:
    """A loopback port that is free now (the server start retries if another process wins it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unprivileged_account() -> pwd.struct_passwd | None:
    """The account to run servers as when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise BenchError("running as root and no 'postgres' or 'nobody' account exists to run servers")


def workspace_root() -> Path:
    """Where servers' folders go: the temporary folder ($TMPDIR, as Python's tempfile finds it)
    where its path is short enough for their sockets, else /tmp (macOS's deep $TMPDIR, say).
    Two runs with two $TMPDIRs never see, reap or clean each other's folders."""
    found = Path(tempfile.gettempdir())
    return found if len(str(found)) <= SHORT_ROOT else Path("/tmp")


@contextlib.contextmanager
def workspace(kind: str, owner: pwd.struct_passwd | None = None) -> Iterator[Path]:
    """A fresh folder for one server, removed on every exit path."""
    reap_orphans()
    deferred = signals_deferred()
    deferred.__enter__()
    try:
        # the maker's pid in the name: a kill before the owner file is whole leaves it known
        prefix = f"{WORKSPACE_PREFIX}{kind}-{os.getpid()}-"
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=workspace_root()))
    except BaseException:
        deferred.__exit__(None, None, None)
        raise
    try:
        deferred.__exit__(None, None, None)  # a held Ctrl-C arrives here, inside the try
        (path / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "kind": kind}))
        if owner is not None:
            os.chown(path, owner.pw_uid, owner.pw_gid)
        yield path
    finally:
        # A second signal (Ctrl-C pressed twice, repeated SIGTERMs) must not cut the removal short.
        with signals_deferred():
            shutil.rmtree(path, ignore_errors=True)
            if path.exists():  # a process killed a moment ago may still have been writing into it
                time.sleep(0.2)
                shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while something that needs cleaning up is created and bound to
    a name. End the block inside the try/finally that cleans it up: the held signal is then
    delivered there, not in the gap between creating the folder or process and guarding it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


OWNERLESS_SECONDS = 60
# What `workspace` names a folder: the prefix, a kind, the maker's pid (since 2026-12-07) and
# mkdtemp's eight characters.
OWN_NAME = re.compile(re.escape(WORKSPACE_PREFIX) + r"[a-z0-9_-]+-[a-z0-9_]{8}")
MAKER = re.compile(r"-(?P<pid>\d+)-[a-z0-9_]{8}$")


def reap_orphans() -> list[Path]:
    """Stop servers and remove folders left by runs that died without cleaning up."""
    reaped = []
    for folder in workspace_root().glob(f"{WORKSPACE_PREFIX}*"):
        try:
            owner = json.loads((folder / OWNER_FILE).read_text())["pid"]
        except (OSError, ValueError, KeyError):
            if _made_and_abandoned(folder):
                reaped.append(folder)
            continue
        if alive(owner):
            continue
        for pid in _server_pids(folder):
            _kill_and_wait(pid)
        shutil.rmtree(folder, ignore_errors=True)
        reaped.append(folder)
    return reaped


def _made_and_abandoned(folder: Path) -> bool:
    """Remove a folder of the suite's own name whose maker died before its owner file was whole
    (empty, or holding that file alone, empty or cut short): its maker is named in it, or (an
    older name) it is still without an owner a minute later. Anything else is not ours to
    remove (a user's --results /tmp/ormbench-results, say): rmdir removes only an empty folder."""
    maker = MAKER.search(folder.name)
    with contextlib.suppress(OSError):  # another run may be removing it right now
        abandoned = not alive(int(maker["pid"])) if maker else (
            time.time() - folder.stat().st_mtime > OWNERLESS_SECONDS
        )  # fmt: skip
        if OWN_NAME.fullmatch(folder.name) and abandoned:
            if [p.name for p in folder.iterdir()] == [OWNER_FILE]:
                (folder / OWNER_FILE).unlink()
            folder.rmdir()
            return True
    return False


def alive(pid: int) -> bool:
    """Whether a process of that pid exists (another account's included)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _server_pids(folder: Path) -> list[int]:
    """Pids recorded in a server folder whose command line names that folder, and any other
    process naming it: a setup command (pg_basebackup filling a replica's folder) runs in the
    servers' session, so a SIGKILL of the run spares it, and it wrote on after the folder went."""
    pids = set()
    for pidfile in (*folder.glob("**/postmaster.pid"), *folder.glob("*.pid")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pids.add(int(pidfile.read_text().split()[0]))
    pids.update(int(p.name) for p in Path("/proc").glob("[0-9]*"))
    named = (f"{folder}/".encode(), f"{folder}\0".encode())
    found = []
    for pid in sorted(pids - {os.getpid()}):
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes() + b"\0"
            if any(name in cmdline for name in named):
                found.append(pid)
    return found


def _kill_and_wait(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


SERVER_PATH = "ORMBENCH_SERVER_PATH"


def find_binary(name: str, extra_dirs: list[Path]) -> Path | None:
    """A server binary on PATH or in one of the given folders; only in the folders of
    $ORMBENCH_SERVER_PATH when it is set (a custom build, or none at all to test fallbacks)."""
    only = os.environ.get(SERVER_PATH)
    if only is not None:
        extra_dirs = [Path(p) for p in only.split(os.pathsep) if p]
    else:
        found = shutil.which(name)
        if found:
            return Path(found)
    for folder in extra_dirs:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None
