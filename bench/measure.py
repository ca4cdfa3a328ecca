"""Measurement of one case: check it, then time it through pytest-benchmark.

Before anything is timed, each variant runs once inside `CaptureQueriesContext`: its query count
is held against the scenario's declaration and its result against the naive variant's at the
same n. A mismatch marks the result invalid (`valid: false` in `extra_info`) and fails the item,
so the run exits non-zero; the timing is still stored so the report can show what went wrong.
"""

from __future__ import annotations

import contextlib
import math
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench import dataset
from bench.errors import ScenarioMismatch
from bench.scenario import Case, Scenario

WARMUP_ROUNDS = 1  # the first call fills Django's connection, model and statement caches
MIN_ROUNDS = 5  # fewer rounds give no usable spread (and no significance test in compare)
MAX_ROUNDS = 200
TARGET_SECONDS = 0.4  # timed work per benchmark; rounds = TARGET_SECONDS / one call, clamped


@dataclass(frozen=True)
class Check:
    """What one checked call of a variant showed."""

    result: Any
    queries: int
    seconds: float
    recorded: dict[str, Any]


@dataclass
class Harness:
    """Checks and times the cases of one database, remembering naive results per (scenario, n)."""

    database: str
    vendor: str
    scale: str
    baseline_checksum: str
    fixed_rounds: int | None = None
    latency_ms: float | None = None  # round trip added by the proxy; None: direct connection

    def __post_init__(self) -> None:
        self._naive: dict[tuple[str, int], Check] = {}
        self._scenario_ends: set[str] = set()

    def plan(self, selected: list[Case]) -> None:
        """Note the last selected case of each scenario: the dataset is verified after it."""
        self._scenario_ends = {
            next(c for c in reversed(selected) if c.scenario.name == name).id
            for name in {c.scenario.name for c in selected}
        }

    def unsupported_reason(self, case: Case) -> str | None:
        from django.db import connection

        return case.variant.unsupported_reason(self.vendor, connection.features)

    def measure(self, benchmark: Any, case: Case) -> None:
        """Check `case`, time it, record everything in `benchmark.extra_info`; raise on mismatch."""
        scenario, variant, n = case.scenario, case.variant, case.n
        expected = variant.expected_queries(n, self.vendor)
        check = self.check(scenario, variant.fn, n)
        problems = []
        if check.queries != expected:
            problems.append(f"issued {check.queries} queries, declares {expected}")
        if variant.role != "naive":
            naive = self._naive_check(case)
            if check.result != naive.result:
                problems.append(f"returned other data than {scenario.naive_variant.name}")
        benchmark.group = f"{self.database}: {scenario.name} n={n}"
        benchmark.extra_info.update(
            scenario=scenario.name,
            variant=variant.name,
            role=variant.role,
            database=self.database,
            vendor=self.vendor,
            scale=self.scale,
            n=n,
            queries=check.queries,
            expected_queries=expected,
            peak_memory_bytes=self.peak_memory(scenario, variant.fn, n),
            valid=not problems,
            error="; ".join(problems),
            recorded=check.recorded,
            latency_ms=self.latency_ms,
        )
        if scenario.explain is not None and variant.role == "naive":
            benchmark.extra_info["explain"] = scenario.explain(n).explain()
        setup, teardown = self._round_hooks(scenario)
        benchmark.pedantic(
            variant.fn,
            args=(n,),
            setup=setup,
            teardown=teardown,
            rounds=self.fixed_rounds or rounds_for(check.seconds),
            warmup_rounds=0 if self.fixed_rounds else WARMUP_ROUNDS,
        )
        if case.id in self._scenario_ends:
            self.assert_isolated(scenario)
        if problems:
            raise ScenarioMismatch(scenario.name, variant.name, self.database, "; ".join(problems))

    def check(self, scenario: Scenario, fn: Callable[[int], Any], n: int) -> Check:
        from django.db import connection
        from django.db.models.query import QuerySet
        from django.test.utils import CaptureQueriesContext

        # Django keeps the last 9 000 queries only (a deque); a naive loop can issue more, and a
        # full log makes CaptureQueriesContext count 0. An unbounded, empty log counts them all.
        connection.queries_log = deque()
        with effect_undone(scenario):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                result = fn(n)
                seconds = time.perf_counter() - started
            if isinstance(result, QuerySet):
                raise TypeError(
                    f"{scenario.name}/{fn.__name__} returned a lazy QuerySet: "
                    "return plain data (a list) so that it is evaluated and timed"
                )
            if scenario.state is not None:
                result = (result, scenario.state(n))
            recorded = scenario.record(n) if scenario.record is not None else {}
        return Check(result, len(captured.captured_queries), seconds, recorded)

    def peak_memory(self, scenario: Scenario, fn: Callable[[int], Any], n: int) -> int:
        """Peak Python heap during one call (tracemalloc), outside the timed rounds."""
        with effect_undone(scenario):
            tracemalloc.start()
            try:
                fn(n)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    def assert_isolated(self, scenario: Scenario) -> None:
        """Every scenario must leave the dataset exactly as it found it (row counts included)."""
        if dataset.checksum() != self.baseline_checksum:
            raise ScenarioMismatch(
                scenario.name,
                "(after all rounds)",
                self.database,
                "left the database changed: its writes were not undone",
            )

    def _naive_check(self, case: Case) -> Check:
        key = (case.scenario.name, case.n)
        if key not in self._naive:
            self._naive[key] = self.check(case.scenario, case.scenario.naive_variant.fn, case.n)
        return self._naive[key]

    @staticmethod
    def _round_hooks(scenario: Scenario) -> tuple[Callable[[], None], Callable[..., None]]:
        """pytest-benchmark setup/teardown that undo each round's writes outside the timing."""
        stack = contextlib.ExitStack()

        def setup() -> None:
            stack.enter_context(effect_undone(scenario))

        def teardown(*_args: Any, **_kwargs: Any) -> None:
            stack.close()

        return setup, teardown


@contextlib.contextmanager
def effect_undone(scenario: Scenario) -> Iterator[None]:
    """Undo a variant's writes: roll back its transaction, or restore what it committed."""
    from django.db import transaction

    if scenario.commits:
        try:
            yield
        finally:
            assert scenario.restore is not None
            scenario.restore()
    elif scenario.writes:
        with transaction.atomic():
            try:
                yield
            finally:
                transaction.set_rollback(True)
    else:
        yield


def rounds_for(seconds_per_call: float) -> int:
    return max(MIN_ROUNDS, min(MAX_ROUNDS, math.ceil(TARGET_SECONDS / max(seconds_per_call, 1e-9))))
