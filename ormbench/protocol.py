"""The one protocol between a run and its worker processes: a `WorkerSpec`, passed one way.

The parent (`ormbench.parent.run` for timed cases, `ormbench.parent.perf` for the loader) builds a
spec and starts `python -m ormbench.worker.process` with it as JSON in the environment, never on the
command line, where `ps` would show the password a DATABASES entry may hold. The worker answers only
through the files the spec names in its `out` folder; the parent reads them once the worker has
exited.

A process per database gives each its own Django setup and keeps a dying server from taking
the whole run down. A revision whose worker predates this protocol (it took command-line flags)
cannot be benchmarked by `compare`; its stored runs still compare.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_SPEC = "ORMBENCH_WORKER"
EXIT_SETUP_FAILED = 3
SPEC_BLOCK = 4096
TASKS = ("bench", "load")  # time the cases; time the loader (`ormbench.parent.perf`)


@dataclass(frozen=True)
class WorkerSpec:
    """Everything one worker process does, decided by its parent."""

    task: str
    database: str  # the name its figures carry ("postgresql", "postgresql+2ms")
    django: dict[str, Any]  # the DATABASES entry: may hold a password, never printed
    scale: str
    out: str  # the folder the worker writes its answers into
    seed: int = 0
    packages: tuple[str, ...] = ("ormbench.catalogue.scenarios",)
    rounds: int | None = None  # fixed rounds per case (None: calibrated)
    keyword: str | None = None  # pytest -k over case ids
    latency_ms: float | None = None  # what a proxy in front of the server adds per round trip
    verbose: bool = False  # pytest's own line per case
    timing_only: bool = False  # a later process of a comparison (`Harness.timing_only`)
    target_seconds: float = 0.2  # timed work per case
    min_rounds: int | None = None  # fewest rounds per case
    flip: bool = False  # variants in the other turn order (`ormbench.declare.scenario.cases`)
    django_source: dict[str, Any] | None = None  # spec, commit, dirty of a Django under test
    replica: dict[str, Any] | None = None  # the DATABASES entry of a streaming replica, if any
    measure: str = "time"  # "instructions": counted calls under callgrind (`worker.counting`)
    callgrind_helper: str | None = None  # the compiled helper (`ormbench.parent.callgrind.helper`)
    cache_sim: bool = False  # callgrind simulates the caches too (estimated cycles)

    def answer(self, kind: str) -> Path:
        """The file of one answer: "meta" (dataset, versions, scenarios, or the setup error),
        "benchmarks" (pytest-benchmark's JSON), "outcomes" (failed and skipped cases), "load"."""
        suffix = "" if kind == "benchmarks" else f".{kind}"
        return Path(self.out) / f"{self.database}{suffix}.json"

    def start(
        self,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        python: Path | None = None,
        stdout: Any = None,
    ) -> Any:
        """`python -m ormbench.worker.process` with this spec, in `cwd` (a checkout's code) if
        given, by `python` (another Django's venv, `ormbench.parent.djangos`) if given."""
        import subprocess

        environment = {**(env if env is not None else os.environ), ENV_SPEC: self.dumps()}
        argv = [str(python or sys.executable), "-m", "ormbench.worker"]
        if self.measure == "instructions":
            from ormbench.parent.callgrind import argv as under_callgrind

            argv = [*under_callgrind(Path(self.out), self.cache_sim), *argv]
        return subprocess.Popen(argv, env=environment, cwd=cwd, stdout=stdout)

    def dumps(self) -> str:
        """The spec as JSON, padded to a whole number of SPEC_BLOCK bytes: the environment's
        size sets where the stack starts, and a stack that starts elsewhere changes the
        instructions glibc and CPython run (alignment paths). Two sides of a comparison differ
        by a database name; padded, their workers start from the same address."""
        text = json.dumps(dataclasses.asdict(self))
        return text + " " * (-len(text) % SPEC_BLOCK)

    @classmethod
    def from_environment(cls) -> WorkerSpec:
        data = json.loads(os.environ[ENV_SPEC])
        data["packages"] = tuple(data["packages"])
        return cls(**data)
