"""Run A against run B on instruction counts: verdicts beyond the noise the run itself measured.

A count needs no process statistics: the same code, data and Python give the same count to
within a small noise (a socket read that arrives in two pieces, an allocator arena that grows in
one call and not the next). That noise is measured in the same comparison, never picked by hand:

  - a side's count is the least of its counted calls, and its own noise the gap between its
    two least calls (`count_spread`), the calls the count reads: a call above them did more
    work, never less (a socket read that arrived in pieces, an arena that grew), and says
    nothing of the least one. Measured: one such PostgreSQL call 2.4% above its side's others
    set the benchmark's floor to 2.4%, and a planted 2% stayed below it;
  - the database's typical floor in this comparison: the median over its benchmarks counted
    more than once of the wider side's whole range of calls (`spread`), so that a benchmark
    whose few calls happened to agree, or a long call counted once, is not held to a floor of
    nothing. Measured: any change of code moves where objects lie in memory, and with them the
    counts of dictionary probes and allocations everywhere; benchmarks the change did not touch
    moved by up to 0.74% between two commits, within that typical floor. Not the median of the
    two least calls' gaps: half as large, it made 9 of 572 benchmarks of an A/A of the
    catalogue false changes;
  - the benchmark's floor: the larger of the two.

A benchmark is a change when the least call of one side lies beyond the two least of the other
and their ratio is beyond `MARGIN` floors: the gap between two sides of the same code is at
most about one floor (each side's value lies within its own spread), so twice the floor leaves
room for what a few calls did not show. The resolution printed beside each benchmark is that
smallest change it could show. Time stays beside the counts as context
(`ormbench.analysis.compare`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ormbench.results import Benchmark, Run

MARGIN = 2.0  # floors between two sides before a difference is a change (see above)
VERDICTS = ("slower", "faster", "unchanged")


@dataclass(frozen=True)
class CountComparison:
    """One benchmark's instruction counts in run A and run B."""

    database: str
    scenario: str
    variant: str
    n: int
    instructions_a: int
    instructions_b: int
    cycles_a: int | None
    cycles_b: int | None
    calls_a: int  # counted calls behind each side's figure
    calls_b: int
    ratio: float  # B / A: above 1, B executes more instructions
    floor: float  # the relative noise floor measured for this benchmark
    verdict: str

    @property
    def key(self) -> str:
        return f"{self.database}/{self.scenario}/{self.variant}/n={self.n}"

    @property
    def resolution(self) -> float:
        """The smallest relative change this benchmark could show."""
        return MARGIN * self.floor

    @property
    def cycles_ratio(self) -> float | None:
        if not self.cycles_a or not self.cycles_b:
            return None
        return self.cycles_b / self.cycles_a


def spread(calls: Sequence[int]) -> float:
    """Relative range of the counted calls: 0 for one call."""
    return (max(calls) - min(calls)) / min(calls) if calls and min(calls) > 0 else 0.0


def count_spread(calls: Sequence[int]) -> float:
    """Relative gap between the two least counted calls, which a count reads: 0 for one call."""
    return spread(_least_two(calls))


def compare_counts(run_a: Run, run_b: Run) -> list[CountComparison]:
    """Every benchmark both runs counted validly, changes first, then by effect."""
    a_by_key, b_by_key = run_a.valid_by_key(), run_b.valid_by_key()
    keys = sorted(k for k in set(a_by_key) & set(b_by_key) if _counted(a_by_key[k], b_by_key[k]))
    calls = {k: (_calls(a_by_key[k]), _calls(b_by_key[k])) for k in keys}
    repeated = [k for k in keys if min(map(len, calls[k])) > 1]  # a long call is counted once
    typical = {
        database: statistics.median(
            [max(map(spread, calls[k])) for k in repeated if k[0] == database] or [0.0]
        )
        for database in {k[0] for k in keys}
    }
    out = []
    for key in keys:
        a, b = a_by_key[key], b_by_key[key]
        floor = max(*map(count_spread, calls[key]), typical[key[0]])
        calls_a, calls_b = _calls(a), _calls(b)
        value_a, value_b = a.figures.instructions or 0, b.figures.instructions or 0
        ratio = value_b / value_a if value_a else math.inf
        database, scenario, variant, n = key
        out.append(
            CountComparison(
                database=database,
                scenario=scenario,
                variant=variant,
                n=n,
                instructions_a=value_a,
                instructions_b=value_b,
                cycles_a=a.figures.estimated_cycles,
                cycles_b=b.figures.estimated_cycles,
                calls_a=len(calls_a),
                calls_b=len(calls_b),
                ratio=ratio,
                floor=floor,
                verdict=verdict(calls_a, calls_b, ratio, floor),
            )
        )
    return sorted(out, key=lambda c: (VERDICTS.index(c.verdict), -abs(math.log(c.ratio))))


def verdict(calls_a: Sequence[int], calls_b: Sequence[int], ratio: float, floor: float) -> str:
    """ "slower" or "faster" when one side's least call lies beyond the other's two least and
    the ratio is beyond MARGIN floors; else "unchanged"."""
    if min(calls_b) > max(_least_two(calls_a)) and ratio - 1 > MARGIN * floor:
        return "slower"
    if max(_least_two(calls_b)) < min(calls_a) and 1 - ratio > MARGIN * floor:
        return "faster"
    return "unchanged"


def _least_two(calls: Sequence[int]) -> list[int]:
    return sorted(calls)[:2]


def _calls(benchmark: Benchmark) -> list[int]:
    figures = benchmark.figures
    return list(
        figures.call_instructions or ([figures.instructions] if figures.instructions else [])
    )


def _counted(a: Benchmark, b: Benchmark) -> bool:
    return bool(a.figures.instructions and b.figures.instructions)
