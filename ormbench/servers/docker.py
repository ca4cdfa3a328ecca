"""Servers from `docker-compose.yml`, where a Docker engine runs (none runs on our CI box)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from ormbench.errors import BenchError
from ormbench.servers.backend import Backend
from ormbench.servers.base import Database, free_port

COMPOSE_FILE = Path(__file__).with_name("docker-compose.yml")  # shipped in the package
PASSWORD = "ormbench"  # the compose file's, for a container that lives as long as the run
COMPOSE_TIMEOUT = 300  # seconds: pulling an image on first use takes a while


def available() -> bool:
    """True when a Docker engine answers (the client alone is not enough)."""
    if shutil.which("docker") is None or not COMPOSE_FILE.is_file():
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def container(backend: Backend) -> Iterator[Database]:
    """`docker compose up --wait` the backend's service on a free loopback port; `down -v`
    afterwards."""
    started = time.monotonic()
    service = backend.docker_service
    assert service is not None, f"{backend.name} has no Docker service"
    port = free_port()
    project = f"ormbench-{os.getpid()}-{backend.name}"
    env = {**os.environ, "ORMBENCH_PORT": str(port)}
    compose = ["docker", "compose", "-f", str(COMPOSE_FILE), "-p", project]
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
            django=backend.settings("ormbench", "127.0.0.1", port, user, PASSWORD),
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
