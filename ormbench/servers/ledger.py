"""The databases the suite made on a user's server, recorded while they exist: a run killed
before it could drop one (SIGKILL, a lost session) leaves a line here, and `ormbench clean
--db-url URL` drops exactly the recorded ones of that server, and nothing else.

One JSON line per database, without the password (it never leaves the run's memory and
environment): vendor, host, port, user, database name, and the pid of the run that made it,
so that a live run's databases are never dropped under it. The file is private to the account.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ormbench.servers.base import ServerURL, cache_root


def path() -> Path:
    return cache_root() / "user-databases.jsonl"


def _entry(server: ServerURL, name: str) -> dict[str, Any]:
    return {
        "vendor": server.vendor,
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "database": name,
    }


@contextlib.contextmanager
def _locked() -> Iterator[list[dict[str, Any]]]:
    """The ledger's lines, read and written back under a lock (runs may end at once)."""
    ledger = path()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(ledger, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        lines = [json.loads(line) for line in handle.read().splitlines() if line.strip()]
        yield lines
        handle.seek(0)
        handle.truncate()
        handle.write("".join(json.dumps(line) + "\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())


def record(server: ServerURL, name: str, pid: int | None = None) -> None:
    """Before the database is created: a crash after CREATE still finds it recorded."""
    with _locked() as lines:
        lines.append({**_entry(server, name), "pid": pid or os.getpid()})


def forget(server: ServerURL, name: str) -> None:
    """Once it is dropped."""
    with _locked() as lines:
        wanted = _entry(server, name)
        lines[:] = [line for line in lines if {k: line.get(k) for k in wanted} != wanted]


def left_behind(server: ServerURL | None = None) -> list[dict[str, Any]]:
    """Recorded databases whose run is gone, on `server` only if given."""
    with _locked() as lines:
        return [
            line
            for line in lines
            if not _alive(int(line.get("pid", 0)))
            and (
                server is None
                or all(line.get(k) == v for k, v in _entry(server, line["database"]).items())
            )
        ]


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shown(line: dict[str, Any]) -> str:
    return f"{line['vendor']}://{line['user']}@{line['host']}:{line['port']}/{line['database']}"
