"""The worker's side of `--measure instructions`: callgrind counts one call at a time.

The worker runs under callgrind with instrumentation off (`ormbench.parent.callgrind.argv`). The
timed rounds of pytest-benchmark become counted calls, after uncounted warm-ups: Python 3.11
specialises its bytecode on the first calls, and the first call after a restore fills caches the
next ones find. Switching instrumentation on or off flushes every translation valgrind made (a
quarter of a second each time in a Django process), so one window holds all counted calls of a
benchmark: garbage collected and the survivors frozen before it, then collected again before each
call (a collection that one call's garbage triggers in the next is not that call's work; frozen, the
heap is not scanned again). A call's count is the difference of callgrind's running totals read
just before and just after it, through its `status internal` monitor command, whose answer goes to
valgrind's log. Not a dump: a dump (and a zero) walks every cost centre the process ever made, and
grew from 0.1 s to 0.4 s over a catalogue, more than most calls cost. The restores between the calls
run inside the window but outside any count; calls after the last counted one run with the window
closed.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ormbench.errors import BenchError

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
# calls, and varied 0.2% after 30. A long call runs its code many times over (a loop of
# queries), so it needs no more than a couple.
SHORT_WARMUP, LONG_WARMUP = 20, 2
SHORT_CALL_SECONDS = 0.003  # a call's CPU time in the timed processes


def schedule(seconds: float | None) -> tuple[int, int]:
    """(uncounted warm-up calls, counted calls) of a call that took `seconds` in the timed
    processes; a call they did not time (None) is taken as short."""
    if seconds is None:
        return SHORT_WARMUP, COUNTED_CALLS
    warmup = SHORT_WARMUP if seconds < SHORT_CALL_SECONDS else LONG_WARMUP
    return warmup, 1 if seconds >= LONG_CALL_SECONDS else COUNTED_CALLS


@dataclass
class Counter:
    """Counts the calls it wraps; `instructions` and `cycles` hold one figure per call."""

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
        self._open = False

    def schedule(self, case: str) -> tuple[int, int]:
        """(warm-up calls, counted calls) of a case, by the plan both sides share."""
        return schedule(self.plan.get(case))

    def counts(self, case: str) -> bool:
        """Whether the case is run at all: not if its call started threads when timed."""
        return case not in self.plan.get("threads", {})

    def wrap(self, call: Callable[[int], Any], warmup: int, calls: int) -> Callable[[int], Any]:
        """`call`, counted from its `warmup + 1`-th call to its `warmup + calls`-th."""
        self.instructions, self.cycles = [], []
        made = 0

        def counted(n: int) -> Any:
            nonlocal made
            made += 1
            if made <= warmup or len(self.instructions) == calls:
                return call(n)
            if not self._open:
                self._begin()
            try:
                return self._count(call, n)
            finally:
                if len(self.instructions) == calls:
                    self.close()

        return counted

    def close(self) -> None:
        """End the window (after the last counted call, or a call that raised)."""
        if self._open:
            self._lib.ormbench_uninstrument()
            gc.unfreeze()
            self._open = False

    def _begin(self) -> None:
        gc.collect()
        gc.freeze()  # the collections before each call then scan only what the calls left
        self._open = True
        self._lib.ormbench_instrument()

    def _count(self, call: Callable[[int], Any], n: int) -> Any:
        gc.collect()  # every call starts with no garbage and the same collection counters
        self._lib.ormbench_status()  # read after the call: reading it now would count the read
        try:
            return call(n)
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
