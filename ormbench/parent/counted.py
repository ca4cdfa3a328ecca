"""The counting processes of `--measure instructions`: the parent's schedule for them.

After a database's timed processes (a run's, or a comparison's), its servers stay up, loaded, and
each counting process runs that database's selection under callgrind (`ormbench.parent.callgrind`)
while the next database is timed. A count does not depend on the machine's load, so these run at
once, one per core; two processes never share one database (a writing scenario restores its
tables, which another process would see). Their worker output goes to a log file beside their
answers; the parent prints a line as each ends. Their counts are attached to the timed run's
benchmarks (`ormbench.results.attach_counts`).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ormbench.declare.scenario import case_id
from ormbench.errors import BenchError
from ormbench.parent import callgrind, workers
from ormbench.parent.workers import Piece
from ormbench.present import summary
from ormbench.protocol import THREADS
from ormbench.results import Run, attach_counts
from ormbench.servers.base import Database

if TYPE_CHECKING:
    from ormbench.parent.request import Process, RunRequest


@dataclass(frozen=True)
class Opened:
    """One database's servers, still up after its timed processes."""

    targets: dict[str, Database]  # by database suffix: "" (a run), a comparison's "_a", "_b"
    replica: Database | None


def count_plan(timed: Sequence[Sequence[Piece]]) -> dict[str, Any]:
    """What both sides' counting processes read (`ormbench.worker.counting.Counter`), keyed as
    the workers of earlier revisions read it (a comparison may count one of them):

    - each case id: its CPU time in the first timed process that measured it (its median
      times the share of it the process spent on the CPU, not waiting on a server), which sets
      its warm-ups and counted calls (`ormbench.worker.counting.schedule`). Chosen by each
      process's own clock, a call near a class's edge took 20 warm-ups on one side and 2 on
      the other, or was counted once against three times: 17 false verdicts in an A/A of the
      catalogue, under load. By wall time, a PostgreSQL write of 6 M instructions waiting 8 ms
      on commits was counted once, as a loop is, and one call's noise (1%) gave 2 false
      verdicts.
    - "threads" (never a case id): the cases whose call started threads, by how many. Their
      interleaving changes their own count, and run in a counting process they leave its heap
      in a state that depends on it, which moved the counts of later cases of the same code by
      up to 1% from one process to the other; the counting processes leave them out
      (`attach` says why)."""
    seconds: dict[str, float] = {}
    threads: dict[str, int] = {}
    for pieces in timed:
        for piece in pieces:
            document = piece.answer.benchmarks if piece.answer else {}
            for bench in document.get("benchmarks", []):
                info = bench.get("extra_info", {})
                case = case_id(info.get("scenario"), info.get("variant"), info.get("n"))
                share = info.get("cpu_share")
                seconds.setdefault(
                    case, bench["stats"]["median"] * (1.0 if share is None else share)
                )
                if info.get("threads"):
                    threads.setdefault(case, info["threads"])
    return {**seconds, "threads": threads}


def machine() -> dict[str, Any]:
    return dict(callgrind.identity())


def attach(run: Run, counts: Sequence[Run]) -> None:
    """The counts on the timed run, and what they depend on in its metadata."""
    if not counts:
        return
    attach_counts(run, counts)
    for bench in run.benchmarks:
        if bench.figures.threads and bench.figures.instructions is None:
            bench.figures.instructions_error = THREADS.format(bench.figures.threads)
    run.meta.measure = "instructions"
    run.meta.instructions_machine = machine()


class Counting:
    """The counting processes, started database by database as each one's timed processes end
    (`start`), while the next database is timed: a count does not depend on the machine's load,
    and the time beside it is context. As many at once as there are cores; `finish` waits for
    every one and gives, per process, its pieces (one per database)."""

    def __init__(self, request: RunRequest, counting: Sequence[Process], scratch: Path) -> None:
        self.request, self.counting, self.scratch = request, counting, scratch
        self._live: set[subprocess.Popen[bytes]] = set()
        self._stopping = threading.Event()
        self._began = time.monotonic()
        self._jobs: list[tuple[int, Future[Piece | None]]] = []
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)

    def start(self, name: str, opened: Opened, timed: Sequence[Sequence[Piece]]) -> None:
        """Count `name`'s selection in each counting process; its servers stay up until then.
        `timed`: its timed processes' pieces, which plan the counting (`count_plan`)."""
        if not self.counting:
            return
        plan = self.scratch / f"count-plan-{name}.json"
        plan.write_text(json.dumps(count_plan(timed)))
        if not self._jobs:
            callgrind.helper()
            at_once = min(os.cpu_count() or 1, len(self.counting) * len(self.request.databases))
            print(f"== counting instructions under callgrind: up to {at_once} processes at once")
        # one process per database of each side: a writing scenario restores its tables, which
        # another process in that database would see (a side's processes take turns)
        lock = {suffix: threading.Lock() for suffix in opened.targets}
        for i in range(len(self.counting)):
            job = self._pool.submit(self._job, i, name, opened, lock, plan)
            self._jobs.append((i, job))

    def _job(
        self, i: int, name: str, opened: Opened, lock: dict[str, threading.Lock], plan: Path
    ) -> Piece | None:
        process = self.counting[i]
        target = opened.targets[process.database_suffix]
        with lock[process.database_suffix]:
            if self._stopping.is_set():
                return None
            folder = self.scratch / f"count{i}-{name}"
            folder.mkdir(exist_ok=True)
            with open(folder / "worker.log", "wb") as log:
                spec, proc = workers.start(
                    self.request,
                    *(target, folder, process, None, opened.replica),
                    stdout=log,
                    count_plan=plan,
                )
                self._live.add(proc)
                code = proc.wait()
                self._live.discard(proc)
            piece = workers.answer(self.request, target, spec, code)
            took = time.monotonic() - self._began
            spent = piece.answer.figures.get("profile_seconds") if piece.answer else None
            print(
                f"== {name}: instructions counted, process {i + 1} of {len(self.counting)}"
                f"{f' ({process.label})' if process.label else ''}, {took:.0f} s in"
                f"{f'; {summary.worker_phases(spent)}' if spent else ''}",
                flush=True,
            )
            return piece

    def finish(self) -> list[list[Piece]]:
        out: list[list[Piece]] = [[] for _ in self.counting]
        for i, job in self._jobs:
            piece = job.result()
            if piece is None:
                raise BenchError("counting stopped before every process ran")
            out[i].append(piece)
        return out

    def stop(self) -> None:
        """Stop every counting process still running (on every exit path)."""
        self._stopping.set()
        for proc in list(self._live):
            workers.stop(proc)
        self._pool.shutdown(wait=True, cancel_futures=True)
