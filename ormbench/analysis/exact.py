"""Run A against run B on the figures noise cannot touch: a change is a fact, not a verdict.

Timing needs statistics (`ormbench.analysis.stats`); the query count, the rows, the server's own
work, the SQL each variant sends and the plan the database chose for it
(`ormbench.worker.probes.cometrics`) do not: on the same dataset, the same code gives the same
figures in every process. Any difference is reported as exactly that, "queries 3 -> 5", "plan
changed", whatever the timing says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ormbench.results import Figures, Key, Run


@dataclass(frozen=True)
class ExactChange:
    """One figure of one benchmark that differs between A and B."""

    key: Key
    metric: str  # queries, round_trips, rows, a server_work counter, sql or plan
    before: str
    after: str

    @property
    def name(self) -> str:
        database, scenario, variant, n = self.key
        return f"{database}/{scenario}/{variant}/n={n}"

    @property
    def more_queries(self) -> bool:
        """A benchmark that now sends more queries: a regression no noise could fake."""
        return self.metric == "queries" and int(self.after) > int(self.before)

    def __str__(self) -> str:
        return f"{self.name}: {self.metric} {self.before} -> {self.after}"


COUNTS = ("queries", "round_trips", "connects", "rows")


def exact_changes(run_a: Run, run_b: Run) -> list[ExactChange]:
    """Every exact figure that differs, for benchmarks both runs measured validly."""
    a, b = run_a.valid_by_key(), run_b.valid_by_key()
    found: list[ExactChange] = []
    for key in sorted(set(a) & set(b)):
        found += _changes(key, a[key].figures, b[key].figures)
    return found


def _changes(key: Key, a: Figures, b: Figures) -> Iterator[ExactChange]:
    for metric in COUNTS:
        if metric == "round_trips" and (a.connects or b.connects):
            # A connection's handshake is sent in bursts that depend on timing: in an A/A,
            # a request loop under CONN_MAX_AGE=0 read 67 and 68 round trips. Not a fact.
            continue
        before, after = getattr(a, metric), getattr(b, metric)
        if before is not None and after is not None and before != after:
            yield ExactChange(key, metric, str(before), str(after))
    work_a, work_b = a.server_work or {}, b.server_work or {}
    for counter in sorted(set(work_a) & set(work_b)):
        if work_a[counter] != work_b[counter]:
            yield ExactChange(key, counter, str(work_a[counter]), str(work_b[counter]))
    shapes_a = dict(map(tuple, a.sql_shapes or []))
    shapes_b = dict(map(tuple, b.sql_shapes or []))
    if shapes_a and shapes_b and set(shapes_a) != set(shapes_b):
        gone = sorted(set(shapes_a) - set(shapes_b))
        new = sorted(set(shapes_b) - set(shapes_a))
        yield ExactChange(key, "sql", _listed(gone), _listed(new))
    plans_a, plans_b = a.plans or {}, b.plans or {}
    for shape in sorted(set(plans_a) & set(plans_b)):
        if plans_a[shape] != plans_b[shape]:
            yield ExactChange(key, "plan", plans_a[shape], plans_b[shape])


def _listed(shapes: list[str]) -> str:
    return " | ".join(shapes) if shapes else "(none)"
