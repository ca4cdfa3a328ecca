"""The worker's side of `--measure instructions`: callgrind counts one call at a time.

The worker runs under callgrind with instrumentation off (`bench.callgrind.argv`). The timed
rounds of pytest-benchmark become counted calls, after uncounted warm-ups: Python 3.11
specialises its bytecode on the first calls, and the first call after a restore fills caches the
next ones find. Switching instrumentation on or off flushes every translation valgrind made (a
quarter of a second each time in a Django process), so one window holds all counted calls of a
benchmark: garbage collected and the survivors frozen before it, then collected again before
each call (a collection that one call's garbage triggers in the next is not that call's work;
frozen, the heap is not scanned again), and each call counted from zero to a dump whose totals
are read at once and the file removed. The restores between the calls run
inside the window but outside any count.
"""

from __future__ import annotations

import ctypes
import gc
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.callgrind import estimated_cycles, totals

COUNTED_CALLS = 3  # the least of three: a socket read that came in two pieces shows in one
# Python 3.11 quickens a code object after 8 calls and specialises, deoptimises and specialises
# again for a while after: one query's count fell 16% over its first six calls after 3 warm-up
# calls, and varied 0.2% after 30. Warm-ups run uncounted, at about 5 times native speed, so
# they fill a share of time rather than a fixed number.
WARMUP_SECONDS = 0.03  # of native time, as the check call took
MIN_WARMUP_CALLS, MAX_WARMUP_CALLS = 2, 30


def warmup_calls(seconds_per_call: float) -> int:
    """Uncounted calls before the counted ones, for a call that took this long natively."""
    wanted = math.ceil(WARMUP_SECONDS / max(seconds_per_call, 1e-6))
    return max(MIN_WARMUP_CALLS, min(MAX_WARMUP_CALLS, wanted))


@dataclass
class Counter:
    """Counts the calls it wraps; `instructions` and `cycles` hold one figure per call."""

    helper: str  # the compiled helper (bench.callgrind.helper)
    out: str  # the folder callgrind dumps into
    instructions: list[int] = field(default_factory=list)
    cycles: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lib = ctypes.CDLL(self.helper)
        self._lib.ormbench_dump.argtypes = [ctypes.c_char_p]
        if not self._lib.ormbench_on_valgrind():
            raise RuntimeError("--measure instructions: this worker is not running under valgrind")
        self._dumps = 0
        self._open = False

    def wrap(self, call: Callable[[int], Any], warmup: int) -> Callable[[int], Any]:
        """`call`, counted from its `warmup + 1`-th call to its `warmup + COUNTED_CALLS`-th."""
        self.instructions, self.cycles = [], []
        calls = 0

        def counted(n: int) -> Any:
            nonlocal calls
            calls += 1
            if calls <= warmup:
                return call(n)
            if not self._open:
                self._begin()
            try:
                return self._count(call, n)
            finally:
                if calls == warmup + COUNTED_CALLS:
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
        self._lib.ormbench_zero()
        try:
            return call(n)
        finally:
            self._lib.ormbench_dump(b"ormbench")
            self._read()

    def _read(self) -> None:
        self._dumps += 1
        dump = Path(self.out) / f"callgrind.{os.getpid()}.{self._dumps}"
        events = totals(dump)
        dump.unlink()
        self.instructions.append(events["Ir"])
        cycles = estimated_cycles(events)
        if cycles is not None:
            self.cycles.append(cycles)
