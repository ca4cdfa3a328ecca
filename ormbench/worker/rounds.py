"""The timed rounds of one case: how many, what each round's setup and teardown do, and the
last round held to the checked call's result, statements and row counts."""

from __future__ import annotations

import contextlib
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ormbench.declare.scenario import Observed, Scenario
from ormbench.worker import speed
from ormbench.worker.check import Check
from ormbench.worker.probes.call import StatementCounter
from ormbench.worker.probes.effect import Effects
from ormbench.worker.probes.equivalence import first_difference
from ormbench.worker.probes.profile import PROFILE, SAMPLES, SPEED

# One warm-up round in a run, untimed, on the connection the rounds use: the checked call before
# it runs through the round-trip proxy on another connection, and then come the correctness
# samples and the effect digests. Without it the first timed round was slower than the rest by
# a median 16% (SQLite), 21% (PostgreSQL), 16% (MariaDB) over the xs catalogue, and 42-51% of
# benchmarks had it 20% slower: one round in three of a slow call. A comparison's processes go
# without: a side's cold round is the other side's too, and a warm-up would double a slow call's
# timed work there.
WARMUP_ROUNDS = 1
MIN_ROUNDS = 5  # fewer rounds give no usable spread (and no significance test in compare)
# A call of half a second or more (a loop of a thousand commits) averages a thousand statements;
# at s its rounds varied by 6.8% (median coefficient of variation, p90 14%); the median of three
# has a standard error of about 0.72 of that, of five 0.56. Five rounds of such calls were 86% of
# a run's timed work.
SLOW_CALL_SECONDS = 0.5
SLOW_MIN_ROUNDS = 3
MAX_ROUNDS = 100
# A run's rounds stop early once the median is known to within this share of itself: the
# half-width of its 95% interval (order statistics, `median_halfwidth`) over the median. The
# budget (`Policy.target_seconds`) and MAX_ROUNDS still bound them. A run's medians moved 2.7%
# between runs at s (median benchmark) when every case filled its budget: 1% within a process
# sits well inside that.
PRECISION = 0.01


class Enough(BaseException):
    """Ends pytest-benchmark's rounds after the last one (`LastRound`): pedantic runs a fixed
    count and marks an Exception as the benchmark's error, so this is not one."""


def median_halfwidth(times: Sequence[float]) -> float:
    """Half the width of a distribution-free 95% interval of the median over the median: the
    order statistics n/2 -+ 0.98 sqrt(n) (Conover's normal approximation to the binomial)."""
    ordered = sorted(times)
    n = len(ordered)
    low = max(0, math.floor(n / 2 - 0.98 * math.sqrt(n)) - 1)
    high = min(n - 1, math.ceil(n / 2 + 0.98 * math.sqrt(n)))
    median = statistics.median(ordered)
    return (ordered[high] - ordered[low]) / (2 * median) if median > 0 else math.inf


@dataclass(frozen=True)
class Stopping:
    """A run's rounds end early, once at least `least` are timed and their median is known to
    PRECISION: `timed` reads pytest-benchmark's round times so far."""

    least: int
    timed: Callable[[], Sequence[float]]

    def enough(self) -> bool:
        times = self.timed()
        return len(times) >= self.least and median_halfwidth(times) <= PRECISION


@dataclass
class LastRound:
    """pytest-benchmark setup/teardown that undo each round's writes outside the timing, and
    count, digest and read the state of the last round before undoing it. The last round is the
    `calls`th call, or the one after the round where `stopping` had enough: the setup after it
    raises `Enough`."""

    scenario: Scenario
    n: int
    calls: int
    effects: Effects
    written: tuple[str, ...]
    undo: Callable[[], None]
    state: Any = None
    rows: dict[str, int] = field(default_factory=dict)
    """Row counts of the tables the first call wrote: a full digest per round costs too much on
    large tables (0.25-0.45 s for 250 000 rows); a skipped write shows in the statements."""
    executed: StatementCounter = field(default_factory=lambda: StatementCounter())
    speeds: list[float] = field(default_factory=list)
    """The machine's speed (`ormbench.worker.speed`) just before each round, outside its timing."""
    measure_speed: bool = True  # measure it (not for counted calls: instructions need no speed)
    warmup: int = 0  # calls before the timed rounds: no speed is measured for them
    stopping: Stopping | None = None  # None: all `calls` run (set by `run`)
    result: Any = None  # what the latest round returned
    record: Callable[[Any], dict[str, Any]] | None = None
    """A race's correctness figures (`Correct.record`), read after each of the first `samples`
    calls (the warm-up's too) before its writes are undone, outside the timing."""
    samples: int = 0
    recorded: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._calls = 0
        self._last = self._ended = self._enough = False

    def run(
        self, benchmark: Any, call: Callable[[int], Any], rounds: int, least: int | None
    ) -> Any:
        """pytest-benchmark's rounds of `call` (after `warmup` untimed ones); with `least`, they
        end once at least that many are timed and `Stopping` has enough. What the last returned."""
        if least is not None:
            self.stopping = Stopping(least, lambda: benchmark.stats.stats.data)

        def kept(n: int) -> Any:  # pytest-benchmark returns nothing after `Enough`
            self.result = call(n)
            return self.result

        with contextlib.suppress(Enough):
            benchmark.pedantic(
                kept,
                args=(self.n,),
                setup=self.setup,
                teardown=self.teardown,
                rounds=rounds,
                warmup_rounds=self.warmup,
            )
        return self.result

    def setup(self) -> None:
        from django.db import connection

        if self._ended:
            raise Enough
        self._calls += 1
        self._last = self._calls == self.calls or self._enough
        if self._last:
            # Keys of rows it inserts must match the first call's, as its effect is compared.
            self.effects.reset_sequences(self.written)
        self._stack.callback(self.undo)
        if self._last:
            self._stack.enter_context(connection.execute_wrapper(self.executed))
            self.executed.counting = True
        # With few rounds no median smooths a reference an interrupt hit: take three there.
        if self.measure_speed and self._calls > self.warmup:
            with PROFILE.phase(SPEED):
                self.speeds.append(speed.reference_seconds(repeats=3 if self.calls <= 10 else 1))

    def teardown(self, *_args: Any, **_kwargs: Any) -> None:
        if self._last:
            self.executed.counting = False
            if self.scenario.correct.state is not None:
                self.state = self.scenario.correct.state(self.n)
            self.rows = self.effects.row_counts(self.written)
            self._ended = True
        elif self.stopping is not None and self._calls > self.warmup:
            self._enough = self.stopping.enough()
        if self.record is not None and len(self.recorded) < self.samples:
            with PROFILE.phase(SAMPLES):
                result = self.result
                self.recorded.append(
                    self.record(result.result if isinstance(result, Observed) else result)
                )
        self.close()

    def close(self) -> None:
        self._stack.close()

    def unlike(self, check: Check, result: Any) -> list[str]:
        """How the last timed round (which returned `result`) differs from the checked call:
        statements run, what it returned, the row counts it left. A variant that caches its
        result, or skips its writes, after the first call passes the check and times at almost
        nothing: its last round shows it."""
        problems = []
        if self.executed.count != check.executed:
            problems.append(
                f"last timed round ran {self.executed.count} statements, the first call "
                f"{check.executed}"
            )
        if self.scenario.correct.state is not None:
            result = (result, self.state)
        shown = first_difference(
            check.result,
            result,
            unordered=self.scenario.correct.unordered,
            names=("first call", "last round"),
        )
        if shown:
            problems.append(f"last timed round returned other data than the first call: {shown}")
        counts = {table: digest[0] for table, digest in check.effect.items()}
        if self.rows != counts:
            problems.append(
                f"last timed round left other row counts than the first call: {self.rows}, "
                f"first call {counts}"
            )
        return problems


def nothing() -> None:
    pass


def then(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def both() -> None:
        first()
        second()

    return both


def least_rounds(seconds_per_call: float) -> int:
    """A run's fewest rounds of a call that takes `seconds_per_call`."""
    return SLOW_MIN_ROUNDS if seconds_per_call >= SLOW_CALL_SECONDS else MIN_ROUNDS


def rounds_for(seconds_per_call: float, target_seconds: float, least: int | None = None) -> int:
    """Rounds that fill `target_seconds`, clamped; `least` overrides the minimum (a process of a
    comparison is one sample among many: one round of a slow call is enough there)."""
    if least is None:
        least = least_rounds(seconds_per_call)
    return max(least, min(MAX_ROUNDS, math.ceil(target_seconds / max(seconds_per_call, 1e-9))))
