"""Statistics of an A/B comparison, with processes as the samples.

Rounds inside one process share its heap, its caches and its server state: they are not
independent, and a test over them sees process-to-process noise (30-40% here) as a change. The
sample is therefore one figure per process (its median round). Per benchmark, the log of the
process medians of B is held against A's by Student's t-test (equal variances: under "no
change" both sides run the same code on the same machine, alternating), which gives the ratio
of geometric means, its 95% interval and a p-value. Across the whole comparison the p-values are
adjusted by Holm's method, so that the chance of any false verdict in a catalogue of hundreds of
benchmarks stays at ALPHA.

A benchmark gets a verdict only when its adjusted p is below ALPHA and its ratio is beyond the
threshold. Otherwise it is "unchanged" only if the run could have seen a change of the
threshold's size (its resolution, the smallest ratio that would have been significant, is within
the threshold), and "below resolution" if it could not. A side whose own processes differ by
more than UNSTABLE_SPREAD is "unstable", unless the two sides are further apart than that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.01  # family-wise: the chance of any false verdict in one comparison
DEFAULT_THRESHOLD = 0.10  # a change smaller than 10% is not worth a reviewer's time
UNSTABLE_SPREAD = 1.5  # a side whose slowest process is 50% slower than its fastest
MIN_PROCESSES = 2  # per side: one process cannot tell its own noise from a change

VERDICTS = ("slower", "faster", "unstable", "below resolution", "unchanged")


@dataclass(frozen=True)
class ProcessTest:
    """B against A for one benchmark, from one median per process."""

    processes_a: int
    processes_b: int
    ratio: float  # geometric mean of B's process medians / A's: above 1 means B is slower
    ci_low: float
    ci_high: float
    p_value: float  # raw, two-sided; nan with too few processes
    standard_error: float  # of the log ratio
    df: int
    spread_a: float  # slowest process / fastest, per side
    spread_b: float
    apart: bool  # one side's fastest process is slower than the other's slowest by more than
    # UNSTABLE_SPREAD: a change no instability of either side could make

    @property
    def testable(self) -> bool:
        return self.df > 0 and not math.isnan(self.p_value)


def process_test(a: Sequence[float], b: Sequence[float]) -> ProcessTest:
    """Student's t on the logs of the process medians of each side."""
    from scipy import stats

    la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
    ratio = math.exp(_mean(lb) - _mean(la))
    spread_a, spread_b = max(a) / min(a), max(b) / min(b)
    apart = min(b) > max(a) * UNSTABLE_SPREAD or min(a) > max(b) * UNSTABLE_SPREAD
    df = len(a) + len(b) - 2
    if len(a) < MIN_PROCESSES or len(b) < MIN_PROCESSES:
        nan = math.nan
        sides = (spread_a, spread_b, apart)
        return ProcessTest(len(a), len(b), ratio, nan, nan, nan, nan, 0, *sides)
    pooled = (_sum_squares(la) + _sum_squares(lb)) / df
    se = math.sqrt(pooled * (1 / len(a) + 1 / len(b)))
    diff = math.log(ratio)
    exact = 0.0 if diff else 1.0  # identical processes within each side: no noise to test
    p_value = exact if se == 0 else float(2 * stats.t.sf(abs(diff) / se, df))
    half = float(stats.t.ppf(0.975, df)) * se
    return ProcessTest(
        len(a),
        len(b),
        ratio,
        math.exp(diff - half),
        math.exp(diff + half),
        p_value,
        se,
        df,
        spread_a,
        spread_b,
        apart,
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: adjusted p below ALPHA keeps the family-wise error at
    ALPHA. nan (untestable) stays nan and does not count as a test."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        adjusted[i] = running
    return adjusted


def resolution(test: ProcessTest, tests: int, alpha: float = ALPHA) -> float:
    """The smallest ratio (above 1) this benchmark's noise would have let through as
    significant, at the strictest level Holm applies among `tests` benchmarks; inf when
    untestable."""
    if not test.testable:
        return math.inf
    from scipy import stats

    critical = float(stats.t.ppf(1 - alpha / max(tests, 1) / 2, test.df))
    return math.exp(critical * test.standard_error)


def verdict(
    test: ProcessTest,
    adjusted_p: float,
    smallest_detectable: float,
    threshold: float = DEFAULT_THRESHOLD,
    alpha: float = ALPHA,
) -> str:
    """One of VERDICTS, by the rules in the module docstring."""
    margin = 1 + threshold
    if not test.testable:
        return "below resolution"
    if max(test.spread_a, test.spread_b) > UNSTABLE_SPREAD and not test.apart:
        return "unstable"
    if adjusted_p < alpha:
        if test.ratio >= margin:
            return "slower"
        if test.ratio <= 1 / margin:
            return "faster"
        return "unchanged"  # a real change, but smaller than the threshold
    if smallest_detectable <= margin and 1 / margin < test.ratio < margin:
        return "unchanged"
    return "below resolution"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _sum_squares(values: Sequence[float]) -> float:
    mean = _mean(values)
    return sum((v - mean) ** 2 for v in values)
