"""Every statistic of the suite: an A/B comparison with processes as the samples, and the
growth and crossover fits of the report (at the end).

Rounds inside one process share its heap, its caches and its server state: they are not
independent, and a test over them sees process-to-process noise (30-40% here) as a change. The
sample is therefore one figure per process (its median round). Per benchmark, the process
medians of B are held against A's by the exact Mann-Whitney test: under "no change" the two
sides run the same code on the same machine, alternating, so their processes are exchangeable,
and the test's p is exact whatever the shape of the noise. (Student's t on the logs was tried
first: with a busy loop on one core, processes are either lucky or not, for every benchmark at
once, and three lucky A processes against three unlucky B ones gave it p = 0.0002.) Across the
whole comparison the p-values are adjusted by Holm's method, so that the chance of any false
verdict in a catalogue of hundreds of benchmarks stays at ALPHA whatever their dependence. The
ratio and its 95% interval are those of the geometric means (a t-interval on the logs).

With k processes a side the smallest p the test can give is 2 / C(2k, k): 0.1 for 3, 0.008 for
5, 1e-5 for 10. A comparison of m benchmarks can only give verdicts where that is below
ALPHA / m; `processes_needed` says how many that takes.

A benchmark gets a verdict only when its adjusted p is below ALPHA and its ratio is beyond the
threshold. Otherwise it is "unchanged" only if the run could have seen a change of the
threshold's size (its resolution, the smallest ratio that would have been significant, is within
the threshold), and "below resolution" if it could not. A side whose own processes disagree is
"unstable": the robust spread of its log process medians (1.4826 x their median absolute
deviation, which estimates the standard deviation and, unlike the range, does not grow with the
number of processes nor move for one stray process) is above UNSTABLE_SPREAD; unless the two
sides are further apart than any such instability could make them: one side's fastest process
slower than the other's slowest by APART, or the whole 95% interval of the ratio beyond
BEYOND_SPREADS times the larger spread (a 2.5x step among processes that vary by 35%).
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.01  # family-wise: the chance of any false verdict in one comparison
DEFAULT_THRESHOLD = 0.10  # a change smaller than 10% is not worth a reviewer's time
UNSTABLE_SPREAD = 0.20  # robust standard deviation of a side's log process medians: ~20%
APART = 1.5  # one side's fastest process 50% slower than the other's slowest
BEYOND_SPREADS = 2.0  # or the interval beyond exp(2 x spread): two standard deviations away
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
    p_value: float  # raw, two-sided, exact Mann-Whitney; nan with too few processes
    standard_error: float  # of the log ratio
    df: int
    spread_a: float  # robust standard deviation of the log process medians, per side
    spread_b: float
    apart: bool  # a change no instability of either side could make: the extremes APART, or
    # the interval beyond BEYOND_SPREADS spreads

    @property
    def testable(self) -> bool:
        return self.df > 0 and not math.isnan(self.p_value)


def process_test(a: Sequence[float], b: Sequence[float]) -> ProcessTest:
    """Mann-Whitney on the process medians; ratio and interval from the logs."""
    return process_tests([(a, b)])[0]


def process_tests(pairs: Sequence[tuple[Sequence[float], Sequence[float]]]) -> list[ProcessTest]:
    """`process_test` for many benchmarks at once: one vectorised exact Mann-Whitney per shape
    of sample (a catalogue has few), which is what makes a comparison of hundreds quick."""
    import numpy as np
    from scipy import stats

    p_values = [math.nan] * len(pairs)
    shapes: dict[tuple[int, int], list[int]] = {}
    for i, (a, b) in enumerate(pairs):
        if len(a) >= MIN_PROCESSES and len(b) >= MIN_PROCESSES:
            shapes.setdefault((len(a), len(b)), []).append(i)
    for members in shapes.values():
        found = stats.mannwhitneyu(
            np.array([pairs[i][0] for i in members], dtype=float),
            np.array([pairs[i][1] for i in members], dtype=float),
            alternative="two-sided",
            method="exact",
            axis=1,
        )
        for i, p_value in zip(members, np.atleast_1d(found.pvalue), strict=True):
            p_values[i] = float(p_value)
    return [_test(a, b, p_value) for (a, b), p_value in zip(pairs, p_values, strict=True)]


def _test(a: Sequence[float], b: Sequence[float], p_value: float) -> ProcessTest:
    la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
    ratio = math.exp(_mean(lb) - _mean(la))
    spread_a, spread_b = robust_spread(la), robust_spread(lb)
    apart = min(b) > max(a) * APART or min(a) > max(b) * APART
    df = len(a) + len(b) - 2
    if len(a) < MIN_PROCESSES or len(b) < MIN_PROCESSES:
        nan = math.nan
        sides = (spread_a, spread_b, apart)
        return ProcessTest(len(a), len(b), ratio, nan, nan, nan, nan, 0, *sides)
    pooled = (_sum_squares(la) + _sum_squares(lb)) / df
    se = math.sqrt(pooled * (1 / len(a) + 1 / len(b)))
    diff = math.log(ratio)
    half = _t_quantile(0.975, df) * se
    instability = BEYOND_SPREADS * max(spread_a, spread_b)
    apart = apart or abs(diff) - half > instability
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


@functools.lru_cache(maxsize=4096)
def _t_quantile(q: float, df: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(q, df))


def robust_spread(logs: Sequence[float]) -> float:
    """1.4826 x the median absolute deviation: the standard deviation, for normal noise."""
    if len(logs) < 2:
        return 0.0
    center = statistics.median(logs)
    return 1.4826 * statistics.median(abs(x - center) for x in logs)


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


def smallest_p(processes_a: int, processes_b: int) -> float:
    """The smallest two-sided p Mann-Whitney can give: the two sides wholly apart."""
    return 2 / math.comb(processes_a + processes_b, processes_a)


def processes_needed(tests: int, alpha: float = ALPHA) -> int:
    """Processes a side that let a benchmark reach significance among `tests` under Holm."""
    k = MIN_PROCESSES
    while smallest_p(k, k) >= alpha / max(tests, 1):
        k += 1
    return k


def resolution(test: ProcessTest, tests: int, alpha: float = ALPHA) -> float:
    """About the smallest ratio (above 1) this benchmark's noise would have let through as
    significant at the strictest level Holm applies among `tests` benchmarks (a t-based
    estimate); inf when too few processes could reach that level at all."""
    level = alpha / max(tests, 1)
    if not test.testable or smallest_p(test.processes_a, test.processes_b) >= level:
        return math.inf
    return math.exp(_t_quantile(1 - level / 2, test.df) * test.standard_error)


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


# Growth and crossover: how a variant's cost moves with n, for the report.


def crossover(
    ns: Sequence[int], naive: Sequence[float], optimized: Sequence[float]
) -> float | None:
    """The n where the optimized variant starts (or stops) beating the naive one.

    Times are interpolated linearly in log-log space between the two measured sizes around the
    first sign change of log(naive / optimized); None when one side wins at every size.
    """
    points = list(zip(ns, naive, optimized, strict=True))
    for (n0, a0, b0), (n1, a1, b1) in zip(points, points[1:], strict=False):
        d0, d1 = math.log(a0 / b0), math.log(a1 / b1)
        if d0 == 0:
            return float(n0)
        if d0 * d1 < 0:
            t = d0 / (d0 - d1)
            return math.exp(math.log(n0) + t * (math.log(n1) - math.log(n0)))
    return None


@dataclass(frozen=True)
class Growth:
    """How a variant's cost grows with n: time ~ n**time_exponent, queries = a + b*n."""

    time_exponent: float
    queries_fixed: float
    queries_per_n: float

    @property
    def linear_queries(self) -> bool:
        """An O(n)-query pattern: at least one more query per ten more items."""
        return self.queries_per_n >= 0.1


def growth(ns: Sequence[int], medians: Sequence[float], queries: Sequence[int]) -> Growth | None:
    """Least-squares fits over the sizes measured: slope on log-log for time, a line for
    queries. None with fewer than two sizes."""
    if len(set(ns)) < 2:
        return None
    import numpy as np

    x = np.asarray(ns, dtype=float)
    slope = float(np.polyfit(np.log(x), np.log(np.asarray(medians, dtype=float)), 1)[0])
    per_n, fixed = (float(v) for v in np.polyfit(x, np.asarray(queries, dtype=float), 1))
    return Growth(slope, fixed, per_n)
