"""A bench run: a server per database, worker processes against it, one results document each.

Databases run one after another, each with its own throwaway server (or the user's), so that
they do not compete for the two cores. A plain run is one worker process per database; a
comparison runs many (`Process`), alternating between two checkouts, against the same server,
which is started and loaded once; one at a time, or a pair of them together where the time is
context (`Schedule.at_once`). Whatever happens in a worker, the server is stopped and its folder
removed before the next database starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ormbench import store
from ormbench.dataset import scales
from ormbench.errors import BenchError
from ormbench.parent import counted, workers
from ormbench.parent.request import COUNTING, Process, RunRequest, Schedule
from ormbench.parent.workers import Piece
from ormbench.present import numbers, progress
from ormbench.results import Run
from ormbench.servers import Database, ServerUnavailable, provide, proxy, registry, sibling
from ormbench.servers.base import workspace


def execute(request: RunRequest, selected_ids: list[str]) -> tuple[int, Path | None, Run]:
    """Run every database; return (exit status, stored file or None, the run)."""
    store.ensure_writable(request.results)
    # One counting process, simulating the caches too (estimated cycles): the timed process
    # checked every variant already.
    counting = [Process(policy=COUNTING)] if request.measure == "instructions" else []
    [run], counts = execute_counted(request, Schedule([Process()]), counting)
    counted.attach(run, counts)
    measured = bool(run.benchmarks)
    path = store.save_run(run, request.results) if measured else None
    failed = (
        any(p.get("error") for p in run.meta.databases.values()) or run.meta.failed or not measured
    )
    invalid = [b for b in run.benchmarks if not b.valid]
    return (1 if failed or invalid else 0), path, run


def execute_processes(request: RunRequest, processes: Sequence[Process] | Schedule) -> list[Run]:
    """Each database's server once, every process against it in turn: a run per process
    (a process index may lack a database whose budget ran out first)."""
    schedule = processes if isinstance(processes, Schedule) else Schedule(processes)
    return execute_counted(request, schedule, [])[0]


def execute_counted(
    request: RunRequest, schedule: Schedule, counting: Sequence[Process]
) -> tuple[list[Run], list[Run]]:
    """The timed processes of `schedule`, database after database; after each database's, while
    its servers are still up and loaded, the `counting` processes (under callgrind), at once on
    every core beside the next database's timed ones: counts do not depend on the machine's
    load. A run per process of each."""
    started = time.time()
    per_process: list[list[Piece]] = []
    tally = Tally(len(request.databases), schedule)
    with workspace("run") as scratch, contextlib.ExitStack() as kept:
        pool = counted.Counting(request, counting, scratch)
        try:
            for name in request.databases:
                pieces, still_open = _one_database(
                    request, name, scratch, schedule, kept if counting else None, tally
                )
                for i, more in enumerate(pieces):
                    if i == len(per_process):
                        per_process.append([])
                    per_process[i] += more
                if still_open is not None:
                    pool.start(name, still_open, pieces)
            counts = pool.finish()
        finally:
            pool.stop()  # before the servers it counts against are stopped
    runs = [workers.merge(request, pieces, started) for pieces in per_process]
    return runs, [workers.merge(request, pieces, started) for pieces in counts]


@dataclass
class Tally:
    """The processes finished over every database of a run, for one line of overall progress
    (a comparison of a whole catalogue runs for half an hour)."""

    databases: int
    schedule: Schedule
    started: float = field(default_factory=time.monotonic)
    done: int = 0

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        mean = elapsed / self.done if self.done else None
        total = self.schedule.expected(mean) * self.databases
        return progress.overall("overall", self.done, total, elapsed)


def _one_database(
    request: RunRequest,
    name: str,
    scratch: Path,
    schedule: Schedule,
    keep: contextlib.ExitStack | None = None,
    tally: Tally | None = None,
) -> tuple[list[list[Piece]], counted.Opened | None]:
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
            buffer_mb=scales.scale(request.scale).buffer_mb,
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
            out: list[list[Piece]] = []
            began = time.monotonic()
            while batch := schedule.batch(len(out), time.monotonic() - began):
                runs = [
                    (scratch / f"p{len(out) + k}", targets[p.database_suffix], p)
                    for k, p in enumerate(batch)
                ]
                for k, process in enumerate(batch):
                    _announce(name, len(out) + k, process, schedule, tally)
                by_latency = [_run_behind(request, runs, lat, replica) for lat in latencies]
                out += [list(pieces) for pieces in zip(*by_latency, strict=True)]
                if tally:
                    tally.done += len(batch)
            if keep is None or not any("error" not in p.meta for pieces in out for p in pieces):
                return out, None
            keep.enter_context(siblings.pop_all())
            return out, counted.Opened(targets, replica)
    except ServerUnavailable as exc:
        print(f"== {name}: skipped: {exc}", flush=True)
        return [[Piece({"database": name, "skipped": str(exc)})] for _ in schedule.first], None
    except BenchError as exc:
        print(f"== {name}: FAILED: {exc}", flush=True)
        return [[Piece({"database": name, "error": str(exc)})] for _ in schedule.first], None


def _replica(request: RunRequest, db: Database, stack: contextlib.ExitStack) -> Database | None:
    """The replica a selected scenario reads from, where the backend starts one."""
    found = registry.backend(db.name).replica(db) if request.replica else None
    if found is None:  # the scenarios that need one are skipped, each with the reason
        return None
    replica: Database = stack.enter_context(found)
    ready = numbers.seconds(replica.startup_seconds)
    print(f"== {db.name}: {replica.display}, ready in {ready}", flush=True)
    return replica


def _announce(name: str, i: int, process: Process, schedule: Schedule, tally: Tally | None) -> None:
    """The line that starts the i-th of several processes against a database."""
    count = len(schedule.first)
    if count > 1:
        total = f"of {count}" if schedule.more is None else f"(at least {count})"
        where = f"; {tally.line()}" if tally else ""
        print(f"== {name}: process {i + 1} {total}: {process.label}{where}", flush=True)


def _run_behind(
    request: RunRequest,
    runs: Sequence[tuple[Path, Database, Process]],
    latency: float | None,
    replica: Database | None = None,
) -> list[Piece]:
    """A worker for each (folder, database, process) of `runs`, started together, each straight
    at its server or through a proxy adding `latency` per trip (to the replica too: a read there
    crosses the same network); their pieces once every one has ended."""
    with contextlib.ExitStack() as stack:
        started = []
        for folder, db, process in runs:
            folder.mkdir(exist_ok=True)
            behind, near, latency_ms = db, replica, None
            if latency is not None:
                label, latency_ms = f"{db.name}+{latency * 1e3:g}ms", latency * 1e3
                print(
                    f"== {label}: through a proxy adding {latency_ms:g} ms per round trip",
                    flush=True,
                )
                behind = _behind(db, latency, stack, name=label)
                if replica is not None:
                    near = _behind(replica, latency, stack, name=replica.name)
            spec, proc = workers.start(request, behind, folder, process, latency_ms, near)
            stack.callback(workers.stop, proc)  # on every exit path, before its proxy closes
            started.append((behind, spec, proc))
        return [workers.finish(request, behind, spec, proc) for behind, spec, proc in started]


def _behind(db: Database, latency: float, relays: contextlib.ExitStack, name: str) -> Database:
    """`db` as seen through a proxy adding `latency`, open until `relays` closes."""
    host, port = db.django["HOST"], int(db.django["PORT"])
    relay = relays.enter_context(proxy.delayed(host, port, latency))
    entry = {**db.django, "HOST": relay.host, "PORT": str(relay.port)}
    return dataclasses.replace(db, name=name, django=entry)
