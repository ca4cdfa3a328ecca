"""The counting processes of `--measure instructions`: the parent's schedule for them.

After a run's (or a comparison's) timed processes, every server stays up, loaded, and each counting
process runs one database's selection under callgrind (`ormbench.parent.callgrind`). A count does
not depend on the machine's load, so these run all at once, one per core; two processes never share
one database (a writing scenario restores its tables, which another process would see). Their worker
output goes to a log file beside their answers; the parent prints a line as each ends. Their counts
are attached to the timed run's benchmarks (`ormbench.results.attach_counts`).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ormbench.errors import BenchError
from ormbench.parent import callgrind, workers
from ormbench.parent.workers import Piece
from ormbench.results import Run, attach_counts
from ormbench.servers.base import Database

if TYPE_CHECKING:
    from ormbench.parent.request import Process, RunRequest


@dataclass(frozen=True)
class Opened:
    """One database's servers, still up after its timed processes."""

    targets: dict[str, Database]  # by database suffix: "" (a run), a comparison's "_a", "_b"
    replica: Database | None


def machine() -> dict[str, Any]:
    return dict(callgrind.identity())


def attach(run: Run, counts: Sequence[Run]) -> None:
    """The counts on the timed run, and what they depend on in its metadata."""
    if not counts:
        return
    attach_counts(run, counts)
    run.meta.measure = "instructions"
    run.meta.instructions_machine = machine()


def run_all(
    request: RunRequest,
    opened: dict[str, Opened],
    counting: Sequence[Process],
    scratch: Path,
) -> list[list[Piece]]:
    """Every counting process against every open database, as many at once as there are cores;
    per process, its pieces (one per database)."""
    if not counting or not opened:
        return [[] for _ in counting]
    callgrind.helper()
    locks = {(name, p.database_suffix): threading.Lock() for p in counting for name in opened}
    live: set[subprocess.Popen[bytes]] = set()
    stopping = threading.Event()
    began = time.monotonic()
    jobs = [(i, name) for i in range(len(counting)) for name in opened]

    def job(i: int, name: str) -> Piece | None:
        process = counting[i]
        target = opened[name].targets[process.database_suffix]
        with locks[(name, process.database_suffix)]:
            if stopping.is_set():
                return None
            folder = scratch / f"count{i}-{name}"
            folder.mkdir(exist_ok=True)
            with open(folder / "worker.log", "wb") as log:
                spec, proc = workers.start(
                    request, target, folder, process, None, opened[name].replica, stdout=log
                )
                live.add(proc)
                code = proc.wait()
                live.discard(proc)
            piece = workers.answer(request, target, spec, code)
            took = time.monotonic() - began
            print(
                f"== {name}: instructions counted, process {i + 1} of {len(counting)}"
                f"{f' ({process.label})' if process.label else ''}, {took:.0f} s in",
                flush=True,
            )
            return piece

    at_once = min(len(jobs), os.cpu_count() or 1)
    print(f"== counting instructions under callgrind: {len(jobs)} processes, {at_once} at once")
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    try:
        futures = [pool.submit(job, i, name) for i, name in jobs]
        pieces = [f.result() for f in futures]
    finally:
        stopping.set()
        for proc in list(live):
            workers.stop(proc)
        pool.shutdown(wait=True, cancel_futures=True)
    out: list[list[Piece]] = [[] for _ in counting]
    for (i, _), piece in zip(jobs, pieces, strict=True):
        if piece is None:
            raise BenchError("counting stopped before every process ran")
        out[i].append(piece)
    return out
