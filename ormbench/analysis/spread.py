"""Run-to-run spread: how far the medians of the same code move between runs on this machine.

The figure `nox -s perf -- --spread` measures and the README states: per benchmark, the
largest of its runs' medians over the smallest, minus one; then the median and the 90th
percentile of that over every valid benchmark whose median is at least MIN_MEDIAN (shorter
calls are at the timer's and the scheduler's mercy, and say little about the ORM).

`in_machine_units` takes instead each run's median in units of the machine's speed
(`ormbench.worker.speed`), for the benchmarks whose call the client's CPU carried: the figure a
comparison tests for those (`ormbench.analysis.compare`), so the spread it sees.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ormbench.analysis.compare import CPU_BOUND
from ormbench.results import Run

MIN_MEDIAN = 1e-3


@dataclass(frozen=True)
class Spread:
    runs: int
    benchmarks: int
    median: float  # at the median benchmark: 0.05 is 5%
    p90: float
    worst: float
    worst_benchmark: str


def spread(runs: Sequence[Run], in_machine_units: bool = False) -> Spread | None:
    """None with fewer than two runs or no benchmark long enough in all of them."""
    medians: dict[str, list[float]] = {}
    for run in runs:
        for bench in run.benchmarks:
            if not bench.valid or bench.median < MIN_MEDIAN:
                continue
            figure: float | None = bench.median
            if in_machine_units:
                cpu_bound = (bench.figures.cpu_share or 0) >= CPU_BOUND
                figure = bench.figures.speed_normalized_median if cpu_bound else None
            if figure:
                medians.setdefault(bench.fullname, []).append(figure)
    spreads = {
        name: max(values) / min(values) - 1
        for name, values in medians.items()
        if len(values) == len(runs)
    }
    if len(runs) < 2 or not spreads:
        return None
    ranked = sorted(spreads.values())
    worst = max(spreads, key=lambda name: spreads[name])
    return Spread(
        runs=len(runs),
        benchmarks=len(ranked),
        median=statistics.median(ranked),
        p90=ranked[min(len(ranked) - 1, int(0.9 * len(ranked)))],
        worst=spreads[worst],
        worst_benchmark=worst,
    )
