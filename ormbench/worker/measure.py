"""Measurement of one case: check it, then time it through pytest-benchmark.

Before anything is timed, each variant runs once inside `CaptureQueriesContext`: its query count
is held against the scenario's declaration and its result against the naive variant's at the
same n. A mismatch marks the result invalid (`valid: false` in `extra_info`) and fails the item,
so the run exits non-zero; the timing is still stored so the report can show what went wrong.
"""

from __future__ import annotations

import contextlib
import functools
import statistics
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ormbench.dataset import tables as dataset
from ormbench.declare.scenario import Case, Observed
from ormbench.errors import ScenarioMismatch
from ormbench.protocol import THREADS, Policy
from ormbench.results import Figures
from ormbench.servers import registry
from ormbench.worker import rounds as timing
from ormbench.worker import speed
from ormbench.worker.check import Check, as_timed, observed_now, unsteady
from ormbench.worker.counting import Counter, Deferred, read_only
from ormbench.worker.probes import cometrics, heaviest, profile
from ormbench.worker.probes.call import (
    Clock,
    Probe,
    Queries,
    Statements,
    Threads,
    Wire,
    threads_started,
)
from ormbench.worker.probes.effect import CallEffect, Effects, SqlLog, logging_sql
from ormbench.worker.probes.equivalence import refuse_lazy
from ormbench.worker.probes.profile import PROFILE
from ormbench.worker.probes.roundtrips import RoundTrips
from ormbench.worker.reference import References
from ormbench.worker.rounds import LastRound, rounds_for
from ormbench.worker.state import isolation
from ormbench.worker.state.quiet import Quiet
from ormbench.worker.state.restore import Snapshots

REPLICA_WAIT = 60.0  # seconds a replica may take to replay what the primary has
# Calls whose correctness figures (`Correct.record`) are kept: a race's outcome varies from
# call to call (26 of 40 updates lost at n=10 in one call, fewer in the next), so one call
# is an anecdote. Five give a median and a range, and five chances for a variant that is wrong
# only now and then to show it. Only the first process of a run pays them, outside the timing.
RECORD_SAMPLES = 5


@dataclass
class Harness:
    """Checks and times the cases of one database, remembering reference results per n."""

    database: str
    vendor: str
    scale: str
    policy: Policy = Policy()  # as the parent decided it
    latency_ms: float | None = None  # round trip added by the proxy; None: direct connection
    shared: bool = False  # a user's server (`WorkerSpec.shared`)
    counter: Counter | None = None  # --measure instructions: counted calls instead of rounds

    def __post_init__(self) -> None:
        self._scenario_ends: set[str] = set()
        self.effects = Effects()  # now, while the database holds the pristine dataset
        self.baseline_digests = isolation.digests(self.effects)
        self.references = References(self.check, self.inside, self.effects)
        self.baseline_schema = isolation.schema_fingerprint()
        self.snapshots: Snapshots | None = None
        self.dialect = registry.by_vendor(self.vendor).dialect
        self.quiet = Quiet(self.dialect, self.shared)
        self._written: set[str] = set()  # tables the current scenario changed
        self.round_trips: RoundTrips | None = None  # set by the worker for networked databases

    def plan(self, selected: list[Case]) -> None:
        """Note the selected sizes of each scenario and its last case (isolation is verified
        after it); snapshot the tables if any selected case writes."""
        self._scenario_ends = {
            next(c for c in reversed(selected) if c.family == family).id
            for family in {c.family for c in selected}
        }
        self.references.note_sizes(selected, self.scale)
        if any(c.scenario.writes for c in selected) and self.snapshots is None:
            self.effects.note_baseline()
            order = [m._meta.db_table for m in dataset.models_in_load_order().values()]
            self.snapshots = Snapshots(self.effects, order)
        self.quiet.before_timing(self.effects.tables)

    def unsupported_reason(self, case: Case) -> str | None:
        from django.db import connection, connections

        replica = "replica" in connections.databases
        return case.variant.applies.unmet(self.vendor, connection.features, self.scale, replica)

    def replica_caught_up(self, case: Case) -> None:
        """Before a case that reads the replica: wait until it has what the primary has (the
        dataset just loaded, the last restore), or the case would be held to another answer."""
        from django.db import connections

        ends = [connections[alias] for alias in ("default", "replica")]
        for end in ends:
            end.ensure_connection()
        primary, replica = (end.connection for end in ends)
        if not registry.by_vendor(self.vendor).replica_caught_up(primary, replica, REPLICA_WAIT):
            why = f"the replica did not catch up with the primary in {REPLICA_WAIT:.0f} s"
            raise ScenarioMismatch(case.family, case.variant.name, self.database, why)

    def measure(self, benchmark: Any, case: Case) -> None:
        """Check `case`, time it, record everything in `benchmark.extra_info`; raise on mismatch."""
        scenario, variant, n = case.scenario, case.variant, case.n
        if self.counter is not None:
            self.counter.flush_unless(case.family, read_only(case.scenario))
        if variant.applies.replica:
            self.replica_caught_up(case)
        expected = variant.expected_queries(n, self.vendor, case.mode)
        full = not self.policy.timing_only
        problems = list(self.references.problems_of(case)) if full else []
        # The reference's own check is the one every other variant is held against: reuse it.
        is_reference = variant is scenario.reference_variant
        check = self.references.of(case) if is_reference else self.check(case, variant.fn)
        if check.queries != expected:
            problems.append(f"issued {check.queries} queries, declares {expected}")
        if full and self.references.compared(case):
            problems += self.references.differences(case, check)
        benchmark.group = f"{self.database}: {case.family} n={n}"
        figures = self._figures(case, check, expected, full)
        if full and scenario.explain is not None and variant.role == "naive":
            with PROFILE.phase(profile.PLANS):
                figures.explain = scenario.explain(n).explain()
        benchmark.extra_info.update(figures.as_extra_info())  # kept if a timed round raises
        self._written.update(check.dirty)
        with self.prepared(case, variant.fn):
            problems += self._time(benchmark, case, check, figures)
        if self.counter is not None and case.id in self._scenario_ends:
            self.counter.scenario_done()  # before its isolation check, unless read-only
        PROFILE.move(profile.ROUNDS, profile.TIMED, sum(benchmark.stats.stats.data))
        if full and scenario.correct.record is not None:
            problems += self._samples(case, figures, is_reference)
        figures.valid, figures.error = not problems, "; ".join(problems)
        benchmark.extra_info.update(figures.as_extra_info())
        if scenario.writes and self._written:
            # after every case, not the scenario's last alone: each round's write and restore
            # leave dead versions, and a later variant would meet a table they bloated
            self.quiet.after_writes(sorted(self._written))
            self._written.clear()
        if case.id in self._scenario_ends:
            self.assert_isolated(case.family)
        if problems:
            raise ScenarioMismatch(case.family, variant.name, self.database, "; ".join(problems))

    def _figures(self, case: Case, check: Check, expected: int, full: bool) -> Figures:
        """What the checked call showed, as the benchmark's figures (its memory measured now)."""
        return Figures(
            scenario=case.family,
            mode=case.mode,
            variant=case.variant.name,
            role=case.variant.role,
            database=self.database,
            vendor=self.vendor,
            scale=self.scale,
            n=case.n,
            queries=check.queries,
            round_trips=check.round_trips,
            connects=check.connects or None,
            expected_queries=expected,
            peak_memory_bytes=self.peak_memory(case) if case.scenario.memory and full else None,
            recorded=check.recorded,
            observed=check.observed or None,
            latency_ms=self.latency_ms,
            cpu_share=check.cpu_share,
            threads=check.threads or None,
            **check.exact,
        )

    @PROFILE.phase(profile.SAMPLES)
    def _samples(self, case: Case, figures: Figures, is_reference: bool) -> list[str]:
        """A correctness figure (lost updates, claims twice, stale reads) of a race is one
        outcome among many: RECORD_SAMPLES calls give it a spread, and a variant wrong only
        now and then as many chances to show it. The timed rounds' calls gave them
        (`LastRound.record`); where they were fewer, more calls here, each restored, outside
        any timing, on the direct connection as the rounds: through the round-trip proxy of
        the checked call, a write reached the server later, which gave a replica more time to
        catch up and made fewer reads stale."""
        record = case.scenario.correct.record
        assert record is not None
        taken = figures.recorded_samples or []
        samples = taken + [
            self.inside(case, case.variant.fn, lambda result: record(case.n, result))
            for _ in range(RECORD_SAMPLES - len(taken))
        ]
        figures.recorded, figures.recorded_samples = samples[0], samples
        if is_reference or self.references.compared(case):
            return unsteady(samples, self.references.of(case).recorded)
        return []

    @PROFILE.phase(profile.CHECK)
    def check(self, case: Case, fn: Callable[[int], Any]) -> Check:
        """One call of `fn`, under every probe (`ormbench.worker.probes.call`), its writes
        digested and undone: what it returned and showed."""
        from django.db import connection

        scenario, n, call = case.scenario, case.n, case.call(fn)
        wire, correct = self.round_trips, scenario.correct
        queries = Queries()
        probes: list[Probe] = [queries, Statements(), Wire(wire), Threads(), Clock()]
        with wire.connection() if wire else contextlib.nullcontext():
            # Django keeps the last 9 000 queries only (a deque); a naive loop can issue more,
            # and a full log makes CaptureQueriesContext count 0. An unbounded log counts all.
            connection.queries_log = deque()
            recorder = None if self.policy.timing_only else cometrics.Recorder(self.dialect)
            with self.undone(case) as undo:
                # the variant's `around` inside the proxy's swap (what it opens, the call finds
                # there) and inside the SQL log (connections it opens are logged)
                around = self.prepared(case, fn)
                with around as around_threads, contextlib.ExitStack() as probing:
                    if recorder is not None:  # the server's work: outside the other probes
                        probing.enter_context(recorder.measuring())
                    for probe in probes:
                        probing.enter_context(probe)
                    result = call(n)
                refuse_lazy(scenario.name, fn, result)
                observed = observed_now(result.figures) if isinstance(result, Observed) else {}
                result = result.result if isinstance(result, Observed) else result
                state = correct.state(n) if correct.state is not None else None
                recorded = correct.record(n, result) if correct.record is not None else {}
                effect = undo.effect()
            # Inside the swap: the captured queries are read from the connection they ran on.
            figures = {name: value for probe in probes for name, value in probe.figures().items()}
            figures["threads"] += around_threads  # running beside the call, counted with it
            exact = self._exact(recorder, queries.statements, scenario.writes) if recorder else {}
        if queries.on_replica:
            figures["round_trips"] = None  # the replica's wire is not watched
        if correct.state is not None:
            result = (result, state)
        return Check(
            result=result,
            recorded=recorded,
            effect=effect,
            dirty=undo.dirty,
            exact=exact,
            observed=observed,
            **figures,
        )

    @PROFILE.phase(profile.PLANS)
    def _exact(
        self, recorder: cometrics.Recorder, statements: list[str], writes: bool
    ) -> dict[str, Any]:
        """The exact co-metrics of a checked call, its plans read after it (on the restored
        data, outside its counters)."""
        return {
            "rows": recorder.rows,
            "server_work": recorder.server_work,
            "sql_shapes": cometrics.shapes_of(statements),
            "plans": cometrics.plans_of(self.dialect, statements),
            "heaviest_plan": heaviest.plan(self.dialect, statements, not writes),
        }

    @PROFILE.phase(profile.MEMORY)
    def peak_memory(self, case: Case) -> int:
        """Peak Python heap during one call (tracemalloc), outside the timed rounds."""
        with self.undone(case), self.prepared(case, case.variant.fn):
            tracemalloc.start()
            try:
                case.call()(case.n)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        return peak

    @contextlib.contextmanager
    def undone(self, case: Case) -> Iterator[CallEffect]:
        """Let a writing call commit, then put back every table it wrote, outside any timing:
        the changed key buckets from the snapshot, and the auto-increment counters."""
        if not case.scenario.writes:
            yield CallEffect(self.effects, SqlLog())
            return
        with logging_sql() as log:
            undo = CallEffect(self.effects, log)
            try:
                yield undo
            finally:
                undo.effect()
                undo.dirty = {
                    t: self.effects.dirty_buckets(t, buckets) for t, buckets in undo.buckets.items()
                }
                self.put_back(undo.dirty)
                if case.scenario.undo_schema is not None:
                    case.scenario.undo_schema()

    def put_back(self, dirty: dict[str, list[int]], counters: bool = True) -> None:
        """Restore the dirty buckets; reset the auto-increment counters too unless told not to
        (timed rounds between the checks: keys above the dataset's are deleted anyway)."""
        assert self.snapshots is not None, "plan() snapshots the tables before a write"
        self.snapshots.restore(dirty)
        if counters:  # after the restore's transaction: on MySQL this is DDL, which commits
            self.effects.reset_sequences(dirty)

    @PROFILE.phase(profile.ISOLATION)
    def assert_isolated(self, family: str) -> None:
        """Every scenario must leave the dataset exactly as it found it (row counts included),
        and the schema too."""
        isolation.verify(
            family, self.database, self.effects, self.baseline_digests, self.baseline_schema
        )

    def inside(self, case: Case, fn: Callable[[int], Any], probe: Callable[[Any], Any]) -> Any:
        """Run `fn(n)`, read `probe(what it returned)` before its writes are undone, undo them."""
        with self.undone(case):
            with self.prepared(case, fn):
                result = case.call(fn)(case.n)
            return probe(result.result if isinstance(result, Observed) else result)

    @contextlib.contextmanager
    def prepared(self, case: Case, fn: Callable[[int], Any]) -> Iterator[int]:
        """The `around` of the variant whose function is `fn` (a reference's check runs at
        another variant's case), entered outside any timing; yields the threads it started."""
        around = next((v.around for v in case.scenario.variants if v.fn is fn), None)
        if around is None:
            yield 0
            return
        with contextlib.ExitStack() as stack:
            with threads_started() as started:
                stack.enter_context(around())
            yield started.count

    def _undo(self, case: Case, check: Check) -> Callable[[], None]:
        """What each timed round puts back: the checked call's key buckets, its schema change."""
        undo = timing.nothing
        if case.scenario.writes:
            undo = functools.partial(self.put_back, check.dirty, counters=False)
        if case.scenario.undo_schema is not None:
            undo = timing.then(undo, case.scenario.undo_schema)
        return undo

    @PROFILE.phase(profile.ROUNDS)
    def _time(self, benchmark: Any, case: Case, check: Check, figures: Figures) -> list[str]:
        """Time the case; hold its last timed round to the same checks as its first call.

        A variant that caches its result (or skips its writes) after the first call passes
        the first check and times at almost nothing: its last round shows it.
        """
        scenario, n, policy = case.scenario, case.n, self.policy
        rounds = policy.rounds or rounds_for(
            check.seconds, policy.target_seconds, policy.min_rounds
        )
        if scenario.writes and policy.min_rounds:
            # A process of a comparison: as many writes (and restores) whatever the timing, so
            # both sides leave their tables in the same physical state and later plans agree.
            rounds = policy.min_rounds
        call, counter = case.call(), self.counter
        warmup = timing.WARMUP_ROUNDS if policy.min_rounds is None else 0  # a run's only
        if counter is not None and check.threads:
            rounds, figures.instructions_error, counter = 1, THREADS.format(check.threads), None
        elif counter is not None:  # the rounds are uncounted warm-ups; counted calls come later
            rounds, warmup = (calls := counter.schedule(case.id)).warmup, 0
            reset = functools.partial(self.effects.reset_sequences, check.dirty)
            around = functools.partial(self.prepared, case, case.variant.fn)
            later = functools.partial(call, n), timing.then(self._undo(case, check), reset)
            where = case.family, read_only(scenario)
            counter.defer(Deferred(*where, *later, calls, around, figures, benchmark.extra_info))
        record = scenario.correct.record if counter is None and not policy.timing_only else None
        last = LastRound(
            scenario,
            n,
            rounds + warmup,
            self.effects,
            tuple(check.effect),
            self._undo(case, check),
            measure_speed=self.counter is None,
            warmup=warmup,
            record=functools.partial(record, n) if record is not None else None,
            samples=RECORD_SAMPLES,
        )
        early = counter is None and policy.rounds is None and policy.min_rounds is None  # a run
        try:
            least = timing.least_rounds(check.seconds) if early else None
            result = last.run(benchmark, call, rounds, least)
            if isinstance(result, Observed):  # the last round ran as timed: no probe, no proxy
                figures.observed = {**(figures.observed or {}), **as_timed(result.figures)}
                result = result.result
        finally:
            last.close()  # a round that raised skipped pytest-benchmark's teardown: undo here
            self.effects.reset_sequences(check.dirty)
        figures.speed_reference_seconds = statistics.median(last.speeds) if last.speeds else None
        figures.speed_normalized_median = speed.normalized_median(
            list(benchmark.stats.stats.data), last.speeds
        )
        figures.recorded_samples = last.recorded or None
        if case.wrong_by_design:
            return []  # its figures vary from call to call
        return last.unlike(check, result)
