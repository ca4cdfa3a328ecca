"""Nobody else gets in: a throwaway server takes a password only the run knows, its socket sits
in a folder only its account can enter, and it inherits nothing of the run's environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ormbench.servers import Database, provide

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(os.geteuid() != 0, reason="acting as another account needs root"),
]
OTHER = "nobody"  # another local account, as any shared machine has
SECRET = "Us3rS3cr3tPw"


def _as_other(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", OTHER, "--", *argv],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


def _client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"no {name} client here")
    return found


@pytest.mark.fault
def test_another_account_cannot_log_in_to_the_throwaway_postgresql(
    postgresql_server: Database,
) -> None:
    entry = postgresql_server.django
    login = [_client("psql"), "-w", "-h", "127.0.0.1", "-p", str(entry["PORT"])]
    login += ["-U", entry["USER"], "-d", entry["NAME"], "-c", "SELECT 1"]
    refused = _as_other(login)
    assert refused.returncode != 0 and "password" in refused.stderr, refused.stderr
    # The same account with the run's password gets in: the password is what kept it out.
    assert _as_other(login, PGPASSWORD=entry["PASSWORD"]).returncode == 0
    socket_folder = Path(postgresql_server.extra["folder"])
    through_socket = _as_other([*login[:2], "-h", str(socket_folder), *login[4:]])
    assert through_socket.returncode != 0


@pytest.mark.fault
def test_another_account_cannot_log_in_to_the_throwaway_mariadb(mysql_server: Database) -> None:
    entry = mysql_server.django
    login = [_client("mariadb"), "-h", "127.0.0.1", "-P", str(entry["PORT"]), "-u", "root"]
    login += ["-e", "SELECT 1"]
    refused = _as_other(login)
    assert refused.returncode != 0 and "Access denied" in refused.stderr, refused.stderr
    assert _as_other(login, MYSQL_PWD=entry["PASSWORD"]).returncode == 0


@pytest.mark.fault
def test_a_throwaway_server_inherits_none_of_the_runs_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A superuser session can read its server's environment (MariaDB's stays as it started;
    PostgreSQL writes its process titles over its own): the user's URLs are not in it."""
    monkeypatch.setenv("ORMBENCH_DB_URLS", f"postgresql://u:{SECRET}@db.example/x")
    with provide("mysql", sources=("local",)) as db:
        environ = Path(f"/proc/{db.extra['server_pid']}/environ").read_bytes()
    assert SECRET.encode() not in environ and b"ORMBENCH" not in environ
    assert b"PATH=" in environ
