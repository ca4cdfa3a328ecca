"""A bench run: a server per database, worker processes against it, one results document each.

Databases run one after another, each with its own throwaway server (or the user's), so that
they do not compete for the two cores. A plain run is one worker process per database; a
comparison runs many (`Process`), alternating between two checkouts, against the same server,
which is started and loaded once. Whatever happens in a worker, the server is stopped and its
folder removed before the next database starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ormbench import store
from ormbench.dataset import tables as dataset
from ormbench.declare import catalogue
from ormbench.declare.scenario import DEFAULT_PACKAGES
from ormbench.errors import BenchError
from ormbench.parent import counted
from ormbench.parent.djangos import DjangoEnv
from ormbench.present import numbers
from ormbench.protocol import EXIT_SETUP_FAILED, WorkerSpec
from ormbench.results import Benchmark, Run, RunMeta
from ormbench.servers import (
    DEFAULT_DATABASES,
    SOURCES,
    Database,
    ServerUnavailable,
    ServerURL,
    provide,
    proxy,
    registry,
)
from ormbench.servers import url as server_url
from ormbench.servers.base import workspace
from ormbench.servers.sibling import sibling

WORKER_STOP_SECONDS = 20  # SIGTERM ends a worker at once; SIGKILL after this


@dataclass(frozen=True)
class Process:
    """One worker process per database: from which checkout, and how much it checks."""

    label: str = ""
    tree: Path | None = None  # the checkout whose code it runs; None: this one
    timing_only: bool = False  # see `Harness.timing_only`
    target_seconds: float = 0.2  # timed work per benchmark
    min_rounds: int | None = None  # fewest rounds per benchmark (None: the harness's own)
    flip: bool = False  # variants in the other turn order (`ormbench.declare.scenario.cases`)
    database_suffix: str = ""  # a side of a comparison has a database of its own (`sibling`)
    django: DjangoEnv | None = None  # another Django's venv runs the worker (`parent.djangos`)
    measure: str = "time"  # "instructions": counted under callgrind (`ormbench.parent.callgrind`)
    cache_sim: bool = False  # with instructions: simulate the caches too (estimated cycles)


@dataclass(frozen=True)
class RunRequest:
    databases: tuple[str, ...]
    scale: str
    seed: int = dataset.DEFAULT_SEED
    keyword: str | None = None
    urls: dict[str, ServerURL] = field(default_factory=dict)
    rounds: int | None = None
    no_fsync: bool = False
    results: Path = Path("results")
    packages: tuple[str, ...] = DEFAULT_PACKAGES
    sources: tuple[str, ...] = SOURCES
    latencies: tuple[float | None, ...] = (None,)  # None: straight to the server, no proxy
    verbose: bool = False
    django: DjangoEnv | None = None  # None: the Django installed beside the suite
    replica: bool = False  # start a streaming replica beside each server that can have one
    measure: str = "time"  # or "instructions": counted beside the timing (`parent.counted`)


def build_request(
    databases: Sequence[str], scale: str, urls: Sequence[str], **options: Any
) -> RunRequest:
    """Validate everything the user typed before any server starts."""
    dataset.scale(scale)
    parsed = [server_url.parse(u) for u in urls]
    parsed += [
        server_url.parse(os.environ[b.url_environment])
        for b in registry.BACKENDS.values()
        if b.url_environment
        and os.environ.get(b.url_environment)
        and b.name not in {p.vendor for p in parsed}
    ]
    by_vendor = {p.vendor: p for p in parsed}
    unknown = [d for d in databases if d not in registry.BACKENDS]
    if unknown:
        known = ", ".join(registry.BACKENDS)
        raise BenchError(f"unknown database {unknown[0]!r}: choose from {known}")
    chosen = tuple(dict.fromkeys(databases)) or (tuple(by_vendor) if urls else DEFAULT_DATABASES)
    request = RunRequest(chosen, scale, urls=by_vendor, **options)
    selected = catalogue.select(chosen, scale, request.keyword, request.packages)
    return dataclasses.replace(request, replica=catalogue.needs_replica(selected, request.packages))


def execute(request: RunRequest, selected_ids: list[str]) -> tuple[int, Path | None, Run]:
    """Run every database; return (exit status, stored file or None, the run)."""
    store.ensure_writable(request.results)
    # One counting process, simulating the caches too (estimated cycles): the timed process
    # checked every variant already.
    counting = (
        [Process(timing_only=True, measure="instructions", cache_sim=True)]
        if request.measure == "instructions"
        else []
    )
    [run], counts = execute_counted(request, Schedule([Process()]), counting)
    counted.attach(run, counts)
    measured = bool(run.benchmarks)
    path = store.save_run(run, request.results) if measured else None
    failed = (
        any(p.get("error") for p in run.meta.databases.values()) or run.meta.failed or not measured
    )
    invalid = [b for b in run.benchmarks if not b.valid]
    return (1 if failed or invalid else 0), path, run


@dataclass(frozen=True)
class Schedule:
    """The processes run against each database: `first`, then, while a database's share of the
    budget lasts, pairs of `more(i)`. The budget decides how many, never what was measured: the
    comparison's test stays exact (no stopping when a result looks good)."""

    first: Sequence[Process]
    more: Callable[[int], Process] | None = None
    budget_seconds: float = 0.0  # per database

    def process(self, i: int, elapsed: float) -> Process | None:
        """The i-th process, `elapsed` seconds into this database; None: stop."""
        if i < len(self.first):
            return self.first[i]
        if self.more is None:
            return None
        pair_seconds = 2 * elapsed / max(i, 1)
        if i % 2 == 0 and elapsed + pair_seconds > self.budget_seconds:
            return None
        return self.more(i)


def execute_processes(request: RunRequest, processes: Sequence[Process] | Schedule) -> list[Run]:
    """Each database's server once, every process against it in turn: a run per process
    (a process index may lack a database whose budget ran out first)."""
    schedule = processes if isinstance(processes, Schedule) else Schedule(processes)
    return execute_counted(request, schedule, [])[0]


def execute_counted(
    request: RunRequest, schedule: Schedule, counting: Sequence[Process]
) -> tuple[list[Run], list[Run]]:
    """The timed processes of `schedule`, database after database; then, while every server is
    still up and loaded, the `counting` processes (under callgrind), all at once on every
    core: counts do not depend on the machine's load. A run per process of each."""
    started = time.time()
    per_process: list[list[dict[str, Any]]] = []
    with workspace("run") as scratch, contextlib.ExitStack() as kept:
        opened: dict[str, counted.Opened] = {}
        for name in request.databases:
            pieces, still_open = _one_database(
                request, name, scratch, schedule, kept if counting else None
            )
            for i, more in enumerate(pieces):
                if i == len(per_process):
                    per_process.append([])
                per_process[i] += more
            if still_open is not None:
                opened[name] = still_open
        counts = counted.run_all(
            request, opened, counting, scratch, _start_worker, _answer, _stop_worker
        )
    runs = [merge(request, pieces, started) for pieces in per_process]
    return runs, [merge(request, pieces, started) for pieces in counts]


def _one_database(
    request: RunRequest,
    name: str,
    scratch: Path,
    schedule: Schedule,
    keep: contextlib.ExitStack | None = None,
) -> tuple[list[list[dict[str, Any]]], counted.Opened | None]:
    """One server for this database; per process, a worker per requested latency (SQLite has
    no wire). With `keep`, the server (its siblings and replica too) stays up in it after the
    timed processes, for the counting ones."""
    print(f"== {name}: starting server", flush=True)
    try:
        server = provide(
            name,
            request.urls.get(name),
            no_fsync=request.no_fsync,
            sources=request.sources,
            buffer_mb=dataset.scale(request.scale).buffer_mb,
        )
        with contextlib.ExitStack() as siblings:
            db = siblings.enter_context(server)
            ready = numbers.seconds(db.startup_seconds)
            print(f"== {name}: {db.display} ({db.origin}), ready in {ready}", flush=True)
            targets = {"": db}
            for suffix in sorted({p.database_suffix for p in schedule.first} - {""}):
                targets[suffix] = siblings.enter_context(sibling(db, suffix))
            replica = _replica(request, db, siblings)
            latencies = request.latencies if registry.backend(db.name).served else (None,)
            out: list[list[dict[str, Any]]] = []
            began = time.monotonic()
            while (process := schedule.process(len(out), time.monotonic() - began)) is not None:
                i = len(out)
                count = len(schedule.first)
                total = f"of {count}" if schedule.more is None else f"(at least {count})"
                if count > 1:
                    print(f"== {name}: process {i + 1} {total}: {process.label}", flush=True)
                folder = scratch / f"p{i}"
                folder.mkdir(exist_ok=True)
                target = targets[process.database_suffix]
                out.append(
                    [
                        _run_behind(request, target, lat, folder, process, replica)
                        for lat in latencies
                    ]
                )
            if keep is None or not any("error" not in p for pieces in out for p in pieces):
                return out, None
            keep.enter_context(siblings.pop_all())
            return out, counted.Opened(targets, replica)
    except ServerUnavailable as exc:
        print(f"== {name}: skipped: {exc}", flush=True)
        return [[{"database": name, "skipped": str(exc)}] for _ in schedule.first], None
    except BenchError as exc:
        print(f"== {name}: FAILED: {exc}", flush=True)
        return [[{"database": name, "error": str(exc)}] for _ in schedule.first], None


def _replica(request: RunRequest, db: Database, stack: contextlib.ExitStack) -> Database | None:
    """The streaming replica a selected scenario reads from, where the backend starts one."""
    found = registry.backend(db.name).replica(db) if request.replica else None
    if found is None:  # the scenarios that need one are skipped, each with the reason
        return None
    replica: Database = stack.enter_context(found)
    ready = numbers.seconds(replica.startup_seconds)
    print(f"== {db.name}: {replica.display}, ready in {ready}", flush=True)
    return replica


def _run_behind(
    request: RunRequest,
    db: Database,
    latency: float | None,
    scratch: Path,
    process: Process,
    replica: Database | None = None,
) -> dict[str, Any]:
    """Run the worker straight at the server, or through a proxy adding `latency` per trip
    (to the replica too: a read there crosses the same network)."""
    if latency is None:
        return _run_worker(request, db, scratch, process, replica=replica)
    with contextlib.ExitStack() as relays:
        label = f"{db.name}+{latency * 1e3:g}ms"
        print(f"== {label}: through a proxy adding {latency * 1e3:g} ms per round trip", flush=True)
        behind = _behind(db, latency, relays, name=label)
        if replica is not None:
            replica = _behind(replica, latency, relays, name=replica.name)
        return _run_worker(request, behind, scratch, process, latency * 1e3, replica)


def _behind(db: Database, latency: float, relays: contextlib.ExitStack, name: str) -> Database:
    """`db` as seen through a proxy adding `latency`, open until `relays` closes."""
    host, port = db.django["HOST"], int(db.django["PORT"])
    relay = relays.enter_context(proxy.delayed(host, port, latency))
    entry = {**db.django, "HOST": relay.host, "PORT": str(relay.port)}
    return dataclasses.replace(db, name=name, django=entry)


def _run_worker(
    request: RunRequest,
    db: Database,
    scratch: Path,
    process: Process,
    latency_ms: float | None = None,
    replica: Database | None = None,
) -> dict[str, Any]:
    spec, proc = _start_worker(request, db, scratch, process, latency_ms, replica)
    try:
        code = proc.wait()
    finally:
        _stop_worker(proc)
    return _answer(request, db, spec, code)


def _start_worker(
    request: RunRequest,
    db: Database,
    scratch: Path,
    process: Process,
    latency_ms: float | None = None,
    replica: Database | None = None,
    stdout: Any = None,
) -> tuple[WorkerSpec, subprocess.Popen[bytes]]:
    spec = WorkerSpec(
        task="bench",
        database=db.name,
        django=db.django,
        scale=request.scale,
        out=str(scratch),
        seed=request.seed,
        packages=request.packages,
        rounds=request.rounds,
        keyword=request.keyword,
        latency_ms=latency_ms,
        verbose=request.verbose,
        timing_only=process.timing_only,
        target_seconds=process.target_seconds,
        min_rounds=process.min_rounds,
        flip=process.flip,
        django_source=_source(process.django or request.django),
        # The replica holds every database of its primary: read the one this worker uses.
        replica={**replica.django, "NAME": db.django["NAME"]} if replica else None,
        measure=process.measure,
        callgrind_helper=str(counted.helper()) if process.measure == "instructions" else None,
        cache_sim=process.cache_sim,
    )
    # One hash seed for every worker: with few processes a side, per-process hash randomisation
    # (dict layouts in Django's hot paths) would add noise between otherwise equal processes.
    env = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
    if request.measure == "instructions":
        env |= counted.bytecode_cache()
    django = process.django or request.django
    return spec, spec.start(process.tree, env, django.python if django else None, stdout)


def _answer(request: RunRequest, db: Database, spec: WorkerSpec, code: int) -> dict[str, Any]:
    """What a finished worker left in its folder, as one piece of the run."""
    meta = _read_json(spec.answer("meta"))
    piece: dict[str, Any] = {
        "database": db.name,
        "display": db.display,
        "origin": db.origin,
        "startup_seconds": db.startup_seconds,
        # --no-fsync as applied: what the server module did, when the run asked for it
        "setup": {**db.setup, **({} if request.no_fsync else {"no_fsync": "not requested"})},
        "exit_code": code,
        **meta,
        "benchmark_json": _read_json(spec.answer("benchmarks")),
        "outcomes": _read_json(spec.answer("outcomes")),
    }
    if code == EXIT_SETUP_FAILED or not meta:
        piece["error"] = meta.get("error") or f"worker exited with status {code}"
        print(f"== {db.name}: FAILED before timing: {piece['error']}", flush=True)
    return piece


def _source(django: DjangoEnv | None) -> dict[str, Any] | None:
    if django is None:
        return None
    return {"spec": django.spec, "commit": django.commit, "dirty": django.dirty}


def _stop_worker(proc: subprocess.Popen[bytes]) -> None:
    """End a worker the run no longer waits for (Ctrl-C, SIGTERM); it holds no server."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


WORKER_FIGURES = (
    "peak_rss_bytes",
    "effect_check_seconds",
    "restore_seconds",
    "snapshot_seconds",
    "quiet",
)


def merge(request: RunRequest, pieces: list[dict[str, Any]], started: float) -> Run:
    """One run for all databases: their benchmarks, and the run's own metadata."""
    base: dict[str, Any] = {}
    benchmarks: list[dict[str, Any]] = []
    failed, skipped, databases = [], [], {}
    scenarios: dict[str, Any] = {}
    for piece in pieces:
        name = piece["database"]
        produced = piece.pop("benchmark_json", {}) or {}
        outcomes = piece.pop("outcomes", {}) or {}
        if produced and not base:
            base = {k: v for k, v in produced.items() if k != "benchmarks"}
        benchmarks += produced.get("benchmarks", [])
        failed += [{**f, "database": name} for f in outcomes.get("failed", [])]
        for figure in WORKER_FIGURES:
            if figure in outcomes:
                piece[figure] = outcomes[figure]
        skipped += [{**s, "database": name} for s in outcomes.get("skipped", [])]
        scenarios = scenarios or piece.pop("scenarios", {})
        piece.pop("scenarios", None)
        databases[name] = piece
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
    )
    return Run(meta, [Benchmark.read(b) for b in benchmarks], base)
