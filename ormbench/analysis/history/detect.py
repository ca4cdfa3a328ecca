"""Changes along a series of commits: timing by change-point detection, exact figures exactly.

A series is one benchmark (database, scenario, variant, n) on one machine, database server
version and Django version, over commits in branch order. Each commit contributes its process
figures (a backfilled commit is timed in several processes), in units of the machine's speed
when every run of the series was CPU-bound (`ormbench.worker.speed`), else as timed.

Where a timing step lies is found by ruptures' PELT (`ruptures.KernelCPD` with the linear kernel:
least squares on the logs of the per-commit figures, a new level holding for MIN_COMMITS commits at
least), with a penalty scaled by the series' own noise: ruptures is one dependency on numpy and
scipy, maintained, and offers the classic detectors; Apache Otava pulls 41 packages (Google and
Slack clients among them) and signal-processing-algorithms pins numpy below 2. Whether a step found
is real is then decided exactly as `compare` decides (`ormbench.analysis.stats`): the process
figures of the segment before against those after, Mann-Whitney, Holm over every step found in the
whole history, and a ratio beyond the threshold. The query count and round trips are compared commit
to commit, without statistics: any change is flagged at its commit.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ormbench.analysis import stats
from ormbench.analysis.history.index import Point

PENALTY = 3.0  # x noise variance x log(commits): BIC-like, a step must beat the series' noise
NOISE_FLOOR = 0.02  # log units: below this, timer and scheduler noise dominate anyway
# A new level must hold for this many commits: one odd commit (its build, its layout in memory,
# a slow spell of the machine) is not a step. A step at the newest commit waits for the next.
MIN_COMMITS = 2

SeriesKey = tuple[str, str, str, str, str, str, str, int]
# machine, django, scale, database, server, scenario, variant, n


@dataclass(frozen=True)
class Commit:
    """One commit of a series: every run of it pooled."""

    id: str
    time: str
    figures: list[float]  # what the detection reads: in machine units where the series is
    queries: int | None
    round_trips: int | None
    timed: list[float]  # the same processes as timed, in seconds: what the charts show


@dataclass(frozen=True)
class Series:
    key: SeriesKey
    commits: list[Commit]
    in_machine_units: bool

    @property
    def name(self) -> str:
        _, _, _, database, _, scenario, variant, n = self.key
        return f"{database}/{scenario}/{variant}/n={n}"


@dataclass(frozen=True)
class Change:
    """A change between two consecutive commits of a series."""

    series: Series
    before: str  # the last commit of the old level
    at: str  # the first commit of the new one
    metric: str  # "time", "instructions", "queries" or "round_trips"
    verdict: str  # slower, faster (time, instructions) or changed (exact)
    old: float  # time: geometric mean of the old segment's process figures
    new: float
    ci_low: float = math.nan  # time: 95% interval of new / old
    ci_high: float = math.nan
    p_value: float = math.nan  # time: Holm-adjusted over every timing step found

    @property
    def ratio(self) -> float:
        return self.new / self.old if self.old else math.inf

    def line(self) -> str:
        """benchmark, database, commit range, size: what `nox -s history` prints."""
        where = f"{self.before[:10]}..{self.at[:10]}"
        if self.metric == "time":
            interval = f"[{self.ci_low:.2f}, {self.ci_high:.2f}]"
            size = f"{self.ratio:.2f}x {interval}, p {self.p_value:.2g}"
        elif self.metric == "instructions":
            size = f"{self.ratio:.4f}x instructions ({self.old:.0f} -> {self.new:.0f})"
        else:
            size = f"{self.metric} {self.old:g} -> {self.new:g}"
        machine, django = self.series.key[0], self.series.key[1]
        return f"{self.series.name}: {self.verdict} at {where}: {size} ({machine}, Django {django})"


def series_of(points: Sequence[Point], order: dict[str, int]) -> list[Series]:
    """Valid points grouped into series, commits in `order` (position on the branch)."""
    grouped: dict[SeriesKey, dict[str, list[Point]]] = defaultdict(lambda: defaultdict(list))
    for p in points:
        if p.valid and p.commit_id:
            key = (p.machine, p.django, p.scale, p.database, p.server, p.scenario, p.variant, p.n)
            grouped[key][p.commit_id].append(p)
    out = []
    for key, by_commit in grouped.items():
        runs = [p for ps in by_commit.values() for p in ps]
        normalized = all(p.cpu_bound and p.normalized for p in runs)
        commits = [
            Commit(
                commit_id,
                ps[0].commit_time,
                [v for p in ps for v in (p.normalized if normalized else p.timed)],
                ps[-1].queries,
                ps[-1].round_trips,
                [v for p in ps for v in p.timed],
            )
            for commit_id, ps in by_commit.items()
        ]
        commits.sort(key=lambda c: (order.get(c.id, math.inf), c.time))
        out.append(Series(key, commits, normalized))
    return sorted(out, key=lambda s: s.key)


def changes(
    all_series: Sequence[Series], threshold: float = stats.DEFAULT_THRESHOLD
) -> list[Change]:
    """Every exact change, and every timing step that passes the comparison's rules."""
    found: list[Change] = []
    steps: list[tuple[Series, int, stats.ProcessTest, tuple[float, float]]] = []
    for series in all_series:
        found += _exact(series)
        steps += [(series, *step) for step in _steps(series)]
    adjusted = stats.holm([step[2].p_value for step in steps])
    testable = sum(step[2].testable for step in steps)
    for (series, at, test, levels), p_value in zip(steps, adjusted, strict=True):
        verdict = stats.verdict(test, p_value, stats.resolution(test, testable), threshold)
        if verdict in ("slower", "faster"):
            old, new = levels
            found.append(
                Change(
                    series,
                    series.commits[at - 1].id,
                    series.commits[at].id,
                    "time",
                    verdict,
                    old,
                    new,
                    test.ci_low,
                    test.ci_high,
                    p_value,
                )
            )
    return found


def _exact(series: Series) -> list[Change]:
    out = []
    for metric in ("queries", "round_trips"):
        values = [(c, getattr(c, metric)) for c in series.commits if getattr(c, metric) is not None]
        for (old, a), (new, b) in zip(values, values[1:], strict=False):
            if a != b:
                out.append(Change(series, old.id, new.id, metric, "changed", a, b))
    return out


def _steps(series: Series) -> list[tuple[int, stats.ProcessTest, tuple[float, float]]]:
    """(index of the first commit after the step, the test of the segments around it, their
    geometric means)."""
    commits = [c for c in series.commits if c.figures]
    import numpy as np
    import ruptures

    levels = np.array([[statistics.fmean(math.log(v) for v in c.figures)] for c in commits])
    penalty = PENALTY * _noise(commits) ** 2 * math.log(len(commits))
    if len(commits) < 2 * MIN_COMMITS:
        return []
    # PELT on the linear kernel is the least-squares cost, in ruptures' C code: 2 ms for a
    # thousand commits where the pure-Python Pelt(model="l2") takes 5 to 9 s.
    pelt = ruptures.KernelCPD(kernel="linear", min_size=MIN_COMMITS)
    ends = [int(end) for end in pelt.fit(levels).predict(pen=penalty)]
    bounds = [0, *ends]
    out = []
    for start, at, stop in zip(bounds, bounds[1:], bounds[2:], strict=False):
        before = [v for c in commits[start:at] for v in c.figures]
        after = [v for c in commits[at:stop] for v in c.figures]
        index = series.commits.index(commits[at])
        out.append((index, stats.process_test(before, after), (_geomean(before), _geomean(after))))
    return out


def _noise(commits: Sequence[Commit]) -> float:
    """The series' own noise in log units: the robust spread of the differences between two
    processes of the same commit (over the square root of 2) where commits have several, else
    of successive commit levels."""
    within = [
        (math.log(a) - math.log(b)) * sign / math.sqrt(2)
        for c in commits
        for a, b in itertools.combinations(c.figures, 2)
        for sign in (1, -1)
    ]
    if len(within) >= 4:
        return max(stats.robust_spread(within), NOISE_FLOOR)
    levels = [statistics.fmean(math.log(v) for v in c.figures) for c in commits]
    steps = [b - a for a, b in zip(levels, levels[1:], strict=False)]
    return max(stats.robust_spread(steps) / math.sqrt(2), NOISE_FLOOR)


def _geomean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))
