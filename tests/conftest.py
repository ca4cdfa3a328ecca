"""Fixtures: real throwaway servers and a helper that runs the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.servers import Database, provide

ROOT = Path(__file__).resolve().parents[1]


def bench(
    *args: str, results: Path, timeout: float = 900, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bench run ...` as a user runs it; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "bench", "run", "--results", str(results), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


def newest_run(results: Path) -> dict[str, Any]:
    files = sorted((results / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert files, f"no run file under {results}"
    return dict(json.loads(files[-1].read_text()))


def ormbench_processes() -> list[str]:
    """Database servers whose data folder is one of ours (the check the CI box also runs)."""
    out = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    return [
        line
        for line in out.splitlines()
        if ("postgres" in line or "mariadbd" in line or "mysqld" in line)
        and "/tmp/ormbench-" in line
    ]


def ormbench_folders() -> list[Path]:
    return sorted(Path("/tmp").glob("ormbench-*"))


@pytest.fixture(scope="session")
def xs_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real run of the whole catalogue at scale xs on all three databases, one round each."""
    results = tmp_path_factory.mktemp("results")
    processes, folders = set(ormbench_processes()), set(ormbench_folders())
    done = bench("--scale", "xs", "--rounds", "1", results=results)
    runs = sorted((results / "runs").glob("*.json"))
    return {
        "proc": done,
        "results": results,
        "path": runs[-1] if runs else None,
        "doc": json.loads(runs[-1].read_text()) if runs else {},
        "processes_before": processes,
        "folders_before": folders,
    }


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[Database]:
    with provide("postgresql", sources=("local", "embedded")) as db:
        yield db


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[Database]:
    with provide("mysql", sources=("local",)) as db:
        yield db
