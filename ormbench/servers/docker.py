"""Servers from `docker-compose.yml`, where a Docker engine runs (none runs on our CI box).

Each container is a compose project of its own, `ormbench-<pid>-<database>`, labelled with the
host that started it; its superuser password is made for it (`new_password`) and travels in
compose's environment, never on a command line. `reap_orphans` removes the projects of runs on
this host that died before their `down -v`."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from ormbench.errors import BenchError
from ormbench.servers.backend import Backend
from ormbench.servers.base import Database, alive, free_port
from ormbench.servers.process import new_password, server_environment

COMPOSE_FILE = Path(__file__).with_name("docker-compose.yml")  # shipped in the package
COMPOSE_TIMEOUT = 300  # seconds: pulling an image on first use takes a while
HOST_LABEL = "org.ormbench.host"  # the compose file labels each container with the host's name
PROJECT = re.compile(r"ormbench-(\d+)-[a-z0-9]+")
# What compose needs of the run's environment to reach the engine; the containers get only
# what the compose file names (the port, the password, the host).
CLIENT_ENVIRONMENT = ("HOME", "XDG_RUNTIME_DIR", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT")


def available() -> bool:
    """True when a Docker engine answers (the client alone is not enough)."""
    if shutil.which("docker") is None or not COMPOSE_FILE.is_file():
        return False
    try:
        done = subprocess.run(
            ["docker", "info"], env=_environment(), capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _environment(port: int = 0, password: str = "") -> dict[str, str]:
    client = {k: os.environ[k] for k in CLIENT_ENVIRONMENT if k in os.environ}
    return server_environment(
        **client,
        ORMBENCH_PORT=str(port),
        ORMBENCH_PASSWORD=password,
        ORMBENCH_HOST=socket.gethostname(),
    )


def _compose(project: str) -> list[str]:
    return ["docker", "compose", "-f", str(COMPOSE_FILE), "-p", project]


@contextlib.contextmanager
def container(backend: Backend) -> Iterator[Database]:
    """`docker compose up --wait` the backend's service on a free loopback port; `down -v`
    afterwards."""
    started = time.monotonic()
    service = backend.docker_service
    assert service is not None, f"{backend.name} has no Docker service"
    port, password = free_port(), new_password()
    env = _environment(port, password)
    compose = _compose(f"ormbench-{os.getpid()}-{backend.name}")
    try:
        done = subprocess.run(
            [*compose, "up", "-d", "--wait", service],
            env=env,
            capture_output=True,
            text=True,
            timeout=COMPOSE_TIMEOUT,
        )
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise BenchError(f"docker compose could not start {service}: {tail}")
        user = backend.default_user
        yield Database(
            name=backend.name,
            vendor=backend.vendor,
            django=backend.settings("ormbench", "127.0.0.1", port, user, password),
            origin=f"docker compose service {service}",
            setup={
                "no_fsync": "not applied: the container keeps its image's settings",
                "data_filesystem": "unknown: inside the container",
                "buffers": "the image's default",
            },
            display=f"{backend.name}://{user}@127.0.0.1:{port}/ormbench",
            startup_seconds=time.monotonic() - started,
        )
    finally:
        subprocess.run(
            [*compose, "down", "-v", "--timeout", "10"],
            env=env,
            capture_output=True,
            timeout=COMPOSE_TIMEOUT,
        )


def reap_orphans() -> list[str]:
    """`down -v` the compose projects of the suite's runs on this host that are gone: their
    containers carry this host's label and a project name holding a dead run's pid."""
    if not available():
        return []
    listed = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label={HOST_LABEL}={socket.gethostname()}",
         "--format", '{{.Label "com.docker.compose.project"}}'],
        env=_environment(), capture_output=True, text=True, timeout=COMPOSE_TIMEOUT,
    )  # fmt: skip
    gone = []
    for project in sorted(set(listed.stdout.split())):
        owner = PROJECT.fullmatch(project)
        if owner is None or alive(int(owner[1])):
            continue
        subprocess.run(
            [*_compose(project), "down", "-v", "--timeout", "10"],
            env=_environment(),
            capture_output=True,
            timeout=COMPOSE_TIMEOUT,
        )
        gone.append(project)
    return gone
