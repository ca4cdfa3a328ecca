"""The worker's side of `--measure instructions`: callgrind counts one call at a time.

The worker runs under callgrind with instrumentation off (`ormbench.parent.callgrind.argv`). The
timed rounds of pytest-benchmark become uncounted warm-ups: Python 3.11 specialises its bytecode
on the first calls, and the first call after a restore fills caches the next ones find. Their
counted calls wait for the end of their scenario (`Counter.defer`, `Counter.flush`): switching
instrumentation on or off flushes every translation valgrind made, and the first calls after it
translate their code again (0.5-0.8 s per switch in a Django process, more than most counted
calls cost), so one window holds the counted calls of every case of a scenario, and of the
read-only scenarios that follow a read-only one: their calls leave nothing to put back, and the
isolation check at a scenario's end has nothing of theirs to see. Garbage is
collected and the survivors frozen before it, then collected again before each call (a
collection that one call's garbage triggers in the next is not that call's work; frozen, the
heap is not scanned again). A call's count is the difference of callgrind's running totals read
just before and just after it, through its `status internal` monitor command, whose answer goes
to valgrind's log. Not a dump: a dump (and a zero) walks every cost centre the process ever made,
and grew from 0.1 s to 0.4 s over a catalogue. The restores between the calls run inside the
window but outside any count.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ormbench.declare.scenario import Scenario
from ormbench.errors import BenchError
from ormbench.results import Figures
from ormbench.worker.probes import profile
from ormbench.worker.probes.profile import PROFILE

# Estimated cycles as iai-callgrind and CodSpeed weigh callgrind's cache simulation: an L1 hit
# costs 1, a last-level hit 5, a trip to memory 35.
WEIGHTS = {"l1": 1, "ll": 5, "ram": 35}
# The least of three counted calls: a socket read that came in two pieces shows in one. A
# counted call runs 50 to 100 times slower than natively, so a long one is counted once: its
# count varies less from call to call (0.1-0.3% at 100 M instructions, against 1-3% for a query
# of 0.7 M), and three calls of every loop of a catalogue cost minutes. Long by its CPU time in
# the timed processes (about 20 M instructions): the counting processes of both sides read the same
# times (`Counter.plan`), so they count a benchmark the same number of times whatever the load.
# Not lower: from 5 M on, the calls of 5-20 M no longer counted their spread into the database's
# typical floor, which rose from 0.6% to 1.1% (median over the 0.7-5 M queries alone).
COUNTED_CALLS = 3
LONG_CALL_SECONDS = 0.008  # a call's CPU time in the timed processes (`parent.counted`)
# Python 3.11 quickens a code object after 8 calls and specialises, deoptimises and specialises
# again for a while after: one query's count fell 16% over its first six calls after 3 warm-up
# calls, and varied 0.2% after 30. Ten (after the checked call), and the re-warm below: in an A/A
# of 53 benchmarks per database, one process's two least calls of a case stood a median 0.07-0.08%
# apart (p90 0.48-0.54%) against 0.09-0.12% (0.42-0.68%) after twenty warm-ups and two re-warms,
# for 12-17% less work per counting process. A long call runs its code many times over (a loop
# of queries): two warm-ups after its checked call, one if it is counted once (8 ms or more:
# half of a counting process's warm-up work). The first of three counted calls of 3-8 ms, not
# re-warmed, stood a median 0.23% above the next two on SQLite after one warm-up (0.06-0.08%
# after two), and 1.2% (p90 3.6%) after two once read-only scenarios shared windows (its call
# then comes after more scenarios' warm-ups): the count leaves it out, reading the two least
# calls, which stayed a median 0.07% apart.
SHORT_WARMUP, LONG_WARMUP, ONCE_WARMUP = 10, 2, 1
SHORT_CALL_SECONDS = 0.003  # a call's CPU time in the timed processes
# Calls of a short case in its scenario's window before the counted ones, uncounted: there they
# come after the other cases' warm-ups, and Python specialises again what those changed. Without
# them one process's counted calls of a case spread 0.55% (median; 3.7% at the 90th percentile)
# in an A/A of 58 benchmarks on SQLite; with two, 0.18-0.23% (0.53-0.62%), against 0.32% (0.78%)
# when each case had a window of its own; one does as well (above) at three fifths of the
# calls. A call of 3 ms or more repeats its code within itself: re-warming it was 15% of what a
# counting process ran instrumented. After two re-warm calls its first counted call stood a
# median 0.02-0.05% above its next two (an A/A of the catalogue); without them 0.06-0.08%, and
# 3.6% at the 90th percentile on SQLite, which a count leaves out: it reads the two least
# calls, which stayed a median 0.05-0.08% apart.
REWARM_CALLS = 1


class CaseCalls(NamedTuple):
    """How a case is counted: uncounted calls before its scenario's window and in it, then the
    counted ones."""

    warmup: int
    rewarm: int
    counted: int


def schedule(seconds: float | None) -> CaseCalls:
    """The calls of a case that took `seconds` in the timed processes; a call they did not time
    (None) is taken as short."""
    if seconds is None or seconds < SHORT_CALL_SECONDS:
        return CaseCalls(SHORT_WARMUP, REWARM_CALLS, COUNTED_CALLS)
    if seconds >= LONG_CALL_SECONDS:
        return CaseCalls(ONCE_WARMUP, 0, 1)
    return CaseCalls(LONG_WARMUP, 0, COUNTED_CALLS)


def read_only(scenario: Scenario) -> bool:
    """Whether a scenario's calls leave the database as they found it, with nothing to put back
    (no rows written, no schema changed): its counted calls may wait past its end."""
    return not scenario.writes and scenario.undo_schema is None


@dataclass(frozen=True)
class Deferred:
    """A case whose counted calls wait for its scenario's window (`Counter.flush`)."""

    family: str  # its scenario: a case of another one flushes the window before it...
    read_only: bool  # ...unless both scenarios are read-only (`Counter.flush_unless`)
    call: Callable[[], Any]  # one call of the variant at its n
    undo: Callable[[], None]  # after every call: its writes and keys put back
    calls: CaseCalls  # its warm-up, re-warm and counted calls (`schedule`)
    around: Callable[[], AbstractContextManager[Any]]  # what the variant's call needs around it
    figures: Figures  # where its counts go (or why it has none)
    extra: dict[str, Any]  # its benchmark's `extra_info`, written already: updated with them


@dataclass
class Counter:
    """Counts the calls of the cases deferred to it (`defer`), a scenario's in one window;
    `instructions` and `cycles` hold one figure per counted call of the case being counted."""

    helper: str  # the compiled helper (ormbench.parent.callgrind.helper)
    out: str  # the folder of valgrind's log (`--log-file=<out>/valgrind.<pid>.log`)
    plan: dict[str, Any] = field(default_factory=dict)  # `ormbench.parent.counted.count_plan`
    instructions: list[int] = field(default_factory=list)
    cycles: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lib = ctypes.CDLL(self.helper)
        if not self._lib.ormbench_on_valgrind():
            raise RuntimeError("--measure instructions: this worker is not running under valgrind")
        self._log = open(Path(self.out) / f"valgrind.{os.getpid()}.log", "rb")  # noqa: SIM115
        self._log.seek(0, os.SEEK_END)
        self._deferred: list[Deferred] = []

    def schedule(self, case: str) -> CaseCalls:
        """How a case is counted, by the plan both sides share."""
        return schedule(self.plan.get(case))

    def counts(self, case: str) -> bool:
        """Whether the case is run at all: not if its call started threads when timed."""
        return case not in self.plan.get("threads", {})

    def defer(self, case: Deferred) -> None:
        """Count `case` in its scenario's window; a case of another scenario closes the last,
        unless both are read-only."""
        self.flush_unless(case.family, case.read_only)
        self._deferred.append(case)

    def flush_unless(self, family: str, read_only: bool) -> None:
        """Count what is deferred unless a case of `family` may join its window: one of the
        same scenario, or of a read-only one after read-only ones."""
        last = self._deferred[-1] if self._deferred else None
        if last and last.family != family and not (read_only and last.read_only):
            self.flush()

    def scenario_done(self) -> None:
        """At a scenario's last case, before its isolation check: its window is counted,
        unless it only reads, when it stays open for the next read-only scenario's cases."""
        if self._deferred and not self._deferred[-1].read_only:
            self.flush()

    def flush(self) -> None:
        """Count every deferred case in one window, in the order they came; a case whose call
        raised gets the reason instead of a count, and the others are still counted."""
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return
        with PROFILE.phase(profile.COUNTED), self._window():
            for case in deferred:
                self.instructions, self.cycles = [], []
                try:
                    with case.around():
                        self._calls(case)
                    case.figures.count(self.instructions, self.cycles)
                except Exception as exc:  # noqa: BLE001 - one case's failure, said in its figures
                    case.figures.instructions_error = f"a counted call raised {exc!r}"
                case.extra.update(case.figures.as_extra_info())

    def _calls(self, case: Deferred) -> None:
        for i in range(case.calls.rewarm + case.calls.counted):
            try:
                case.call() if i < case.calls.rewarm else self._count(case.call)
            finally:
                case.undo()

    @contextlib.contextmanager
    def _window(self) -> Iterator[None]:
        gc.collect()
        gc.freeze()  # the collections before each call then scan only what the calls left
        self._lib.ormbench_instrument()
        try:
            yield
        finally:
            self._lib.ormbench_uninstrument()
            gc.unfreeze()

    def _count(self, call: Callable[[], Any]) -> None:
        gc.collect()  # every call starts with no garbage and the same collection counters
        self._lib.ormbench_status()  # read after the call: reading it now would count the read
        try:
            call()
        finally:
            self._lib.ormbench_status()
            self._read()

    def _read(self) -> None:
        before, after = statuses(self._log.read().decode(errors="replace"))[-2:]
        events = {name: after[name] - before[name] for name in after}
        self.instructions.append(events["Ir"])
        cycles = estimated_cycles(events)
        if cycles is not None:
            self.cycles.append(cycles)


def statuses(log: str) -> list[dict[str, int]]:
    """callgrind's running totals in each answer to `status internal` found in `log`, summed over
    threads: {"Ir": ..., "Dr": ..., ...}. An answer lists the event names ("events: Ir Dr ..."),
    then a line per thread ("events-1: 1200 300 ...", trailing zeros left out) and per frame of
    its call stack ("events-1-3: ..."), which are not totals."""
    found: list[dict[str, int]] = []
    names: list[str] = []
    for line in log.splitlines():
        head, _, values = line.partition(": ")
        if head == "events":
            names = values.split()
            found.append(dict.fromkeys(names, 0))
        elif found and head.startswith("events-") and head[7:].isdigit():
            counts = [int(v) for v in values.split()]
            for name, count in zip(names, counts, strict=False):
                found[-1][name] += count
    if len(found) < 2:
        raise BenchError("callgrind answered no status (valgrind's log has no running totals)")
    return found


def estimated_cycles(events: dict[str, int]) -> int | None:
    """L1 + 5 LL + 35 RAM accesses, from the cache simulation (None without it)."""
    if "I1mr" not in events:
        return None
    accesses = events["Ir"] + events["Dr"] + events["Dw"]
    l1_misses = events["I1mr"] + events["D1mr"] + events["D1mw"]
    ram = events["ILmr"] + events["DLmr"] + events["DLmw"]
    return (
        WEIGHTS["l1"] * (accesses - l1_misses)
        + WEIGHTS["ll"] * (l1_misses - ram)
        + WEIGHTS["ram"] * ram
    )
