"""The parent's side of a worker process: its spec, its start and stop, and its answer read
back (`ormbench.protocol`) as one piece of the run; the pieces merged into one `Run`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ormbench import project
from ormbench.parent import callgrind
from ormbench.parent.djangos import DjangoEnv
from ormbench.parent.request import Process, RunRequest
from ormbench.protocol import EXIT_SETUP_FAILED, WorkerAnswer, WorkerSpec
from ormbench.results import Benchmark, Run, RunMeta
from ormbench.servers import Database
from ormbench.servers.base import USERS_SERVER

WORKER_STOP_SECONDS = 20  # SIGTERM ends a worker at once; SIGKILL after this


@dataclass
class Piece:
    """One database's share of one process: its entry in the run's metadata, and what its
    worker answered (None: the database was skipped, or failed before a worker ran)."""

    meta: dict[str, Any]
    answer: WorkerAnswer | None = None


def start(
    request: RunRequest,
    db: Database,
    scratch: Path,
    process: Process,
    latency_ms: float | None = None,
    replica: Database | None = None,
    stdout: Any = None,
    count_plan: Path | None = None,
) -> tuple[WorkerSpec, subprocess.Popen[bytes]]:
    counting = process.policy.measure == "instructions"
    spec = WorkerSpec(
        task="bench",
        database=db.name,
        django=db.django,
        scale=request.scale,
        out=str(scratch),
        seed=request.seed,
        packages=request.packages,
        keyword=request.keyword,
        latency_ms=latency_ms,
        verbose=request.verbose,
        django_source=_source(process.django or request.django),
        # The replica holds every database of its primary: read the one this worker uses.
        replica={**replica.django, "NAME": db.django["NAME"]} if replica else None,
        policy=dataclasses.replace(process.policy, rounds=request.rounds),
        callgrind_helper=str(callgrind.helper()) if counting else None,
        count_plan=str(count_plan) if counting and count_plan else None,
        shared=db.origin == USERS_SERVER,
        project=project.current().at(process.tree or Path.cwd()).as_dict(),
    )
    # One hash seed for every worker: with few processes a side, per-process hash randomisation
    # (dict layouts in Django's hot paths) would add noise between otherwise equal processes.
    env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
    if request.measure == "instructions":
        env |= callgrind.bytecode_cache()
    if counting:
        env |= callgrind.environment()
    django = process.django or request.django
    prefix = callgrind.argv(Path(spec.out), spec.policy.cache_sim) if counting else ()
    python = django.python if django else None
    return spec, spec.start(process.tree, env, python, stdout, prefix)


def answer(request: RunRequest, db: Database, spec: WorkerSpec, code: int) -> Piece:
    """What a finished worker answered, as one piece of the run."""
    found = WorkerAnswer.read(spec.answer_path, db.name)
    meta: dict[str, Any] = {
        "database": db.name,
        "display": db.display,
        "origin": db.origin,
        "startup_seconds": db.startup_seconds,
        # --no-fsync as applied: what the server module did, when the run asked for it
        "setup": {**db.setup, **({} if request.no_fsync else {"no_fsync": "not requested"})},
        "exit_code": code,
        **found.found,
    }
    if found.found and found.error:  # set up, then stopped before its cases (a server died)
        meta["error"] = found.error
        print(f"== {db.name}: FAILED: {meta['error']}", flush=True)
    elif not found.found:  # setup failed, or the worker died before it could answer
        told = found.error if code in (0, EXIT_SETUP_FAILED) else None
        meta["error"] = told or f"worker exited with status {code}"
        print(f"== {db.name}: FAILED before timing: {meta['error']}", flush=True)
    return Piece(meta, found)


def _source(django: DjangoEnv | None) -> dict[str, Any] | None:
    if django is None:
        return None
    return {"spec": django.spec, "commit": django.commit, "dirty": django.dirty}


def finish(request: RunRequest, db: Database, spec: WorkerSpec, proc: Any) -> Piece:
    """Wait for a started worker (stopping it if the wait is interrupted) and read its answer."""
    try:
        code = proc.wait()
    finally:
        stop(proc)
    return answer(request, db, spec, code)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a worker the run no longer waits for (Ctrl-C, SIGTERM); it holds no server."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def merge(request: RunRequest, pieces: list[Piece], started: float) -> Run:
    """One run for all databases: their benchmarks, and the run's own metadata."""
    base: dict[str, Any] = {}
    benchmarks: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    databases: dict[str, dict[str, Any]] = {}
    scenarios: dict[str, Any] = {}
    for piece in pieces:
        name = piece.meta["database"]
        found = piece.answer or WorkerAnswer(name)
        if found.benchmarks and not base:
            base = {k: v for k, v in found.benchmarks.items() if k != "benchmarks"}
        benchmarks += found.benchmarks.get("benchmarks", [])
        failed += [{**f, "database": name} for f in found.failed]
        skipped += [{**s, "database": name} for s in found.skipped]
        scenarios = scenarios or dict(found.scenarios)
        databases[name] = {**piece.meta, **found.figures}
    import django

    # What the workers ran on (another Django's venv, `djangos`), else the parent's own.
    ran = next((p for p in databases.values() if isinstance(p.get("django"), dict)), {})
    under_test = ran.get("django") or {"version": django.get_version()}
    meta = RunMeta(
        scale=request.scale,
        seed=request.seed,
        keyword=request.keyword,
        scenario_packages=list(request.packages),
        no_fsync=request.no_fsync,
        rounds=request.rounds,
        started=dt.datetime.fromtimestamp(started, dt.UTC).isoformat(),
        wall_seconds=time.time() - started,
        environment={
            "django": under_test["version"],
            **{f"django_{k}": v for k, v in under_test.items() if k != "version" and v is not None},
            "python": ran.get("python") or platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "python_hash_seed": os.environ.get("PYTHONHASHSEED", "0"),
        },
        databases=databases,
        scenarios=scenarios,
        failed=failed,
        skipped=skipped,
        machine_label=request.machine or None,
    )
    return Run(meta, [Benchmark.read(b) for b in benchmarks], base)
