"""Run A against run B: every benchmark both measured, with its verdict
(`ormbench.analysis.stats`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ormbench.analysis import stats
from ormbench.analysis.compare_counts import CountComparison, compare_counts
from ormbench.analysis.exact import ExactChange, exact_changes
from ormbench.analysis.stats import DEFAULT_THRESHOLD
from ormbench.results import Benchmark, Key, Run


@dataclass(frozen=True)
class Comparison:
    """One benchmark measured in run A and run B (see `ormbench.analysis.stats` for the
    verdicts)."""

    database: str
    scenario: str
    variant: str
    n: int
    rounds_a: int
    rounds_b: int
    processes_a: int
    processes_b: int
    median_a: float
    median_b: float
    ratio: float  # geometric mean of B's process medians / A's: above 1 means B is slower
    ci_low: float
    ci_high: float
    p_value: float  # Holm-adjusted over the whole comparison
    resolution: float  # the smallest ratio this benchmark's noise would have shown
    verdict: str

    @property
    def key(self) -> str:
        return f"{self.database}/{self.scenario}/{self.variant}/n={self.n}"


def compare_runs(run_a: Run, run_b: Run, threshold: float = DEFAULT_THRESHOLD) -> list[Comparison]:
    """Every valid benchmark present in both runs, changes first, then by effect."""
    a_by_key, b_by_key = run_a.valid_by_key(), run_b.valid_by_key()
    keys = sorted(set(a_by_key) & set(b_by_key))
    samples = []
    for k in keys:
        normalize = _cpu_bound(a_by_key[k], b_by_key[k])
        samples.append(
            (_process_figures(a_by_key[k], normalize), _process_figures(b_by_key[k], normalize))
        )
    tests = stats.process_tests(samples)
    adjusted = stats.holm([t.p_value for t in tests])
    testable = sum(t.testable for t in tests)
    out = []
    for key, test, p_value in zip(keys, tests, adjusted, strict=True):
        a, b = a_by_key[key], b_by_key[key]
        smallest = stats.resolution(test, testable)
        database, scenario, variant, n = key
        out.append(
            Comparison(
                database=database,
                scenario=scenario,
                variant=variant,
                n=n,
                rounds_a=len(a.rounds),
                rounds_b=len(b.rounds),
                processes_a=test.processes_a,
                processes_b=test.processes_b,
                median_a=a.median,
                median_b=b.median,
                ratio=test.ratio,
                ci_low=test.ci_low,
                ci_high=test.ci_high,
                p_value=p_value,
                resolution=smallest,
                verdict=stats.verdict(test, p_value, smallest, threshold),
            )
        )
    return sorted(
        out,
        key=lambda c: (stats.VERDICTS.index(c.verdict), -abs(math.log(c.ratio))),
    )


CPU_BOUND = 0.75  # share of the check call's wall time the client process spent on a CPU


def _process_figures(benchmark: Benchmark, normalize: bool) -> list[float]:
    """One sample per process: its median round in units of the machine's speed just before
    that round (`ormbench.worker.speed`) if asked and every process measured it, else as timed."""
    medians = benchmark.process_medians
    normalized = benchmark.figures.process_normalized or []
    if normalize and len(normalized) == len(medians) and all(normalized):
        return [float(x) for x in normalized if x]
    return medians


def _cpu_bound(*benchmarks: Benchmark) -> bool:
    """Whether the client's CPU carried the call on both sides (their checked calls): only then
    does the machine's CPU speed explain its time. A loop of commits waits on fsync, a query on
    the server: dividing those by a Python workload's time adds noise instead of removing it
    (one such benchmark's process spread went from 8% to 42%)."""
    return all((b.figures.cpu_share or 0) >= CPU_BOUND for b in benchmarks)


def comparability(run_a: Run, run_b: Run) -> tuple[list[str], list[str]]:
    """(reasons the runs cannot be compared, differences worth a warning)."""
    ma, mb = run_a.meta, run_b.meta
    refuse, warn = [], []
    if ma.scale != mb.scale:
        refuse.append(f"different scales: {ma.scale} vs {mb.scale}")
    shared = set(ma.databases) & set(mb.databases)
    if not any(d for d in shared if "dataset" in ma.databases[d]):
        refuse.append("no database in common")
    for name in sorted(shared):
        da, db = ma.databases[name], mb.databases[name]
        if da.get("dataset", {}).get("checksum") != db.get("dataset", {}).get("checksum"):
            refuse.append(f"{name}: different datasets (checksum)")
        if da.get("server_version") != db.get("server_version"):
            warn.append(f"{name}: server {da.get('server_version')} vs {db.get('server_version')}")
        if da.get("settings") != db.get("settings"):
            warn.append(f"{name}: different server settings")
    node_a = (run_a.machine.get("node"), _cpu(run_a))
    node_b = (run_b.machine.get("node"), _cpu(run_b))
    if node_a != node_b:
        refuse.append(f"different machines: {node_a[0]} vs {node_b[0]}")
    if run_a.django != run_b.django:
        warn.append(f"Django {run_a.django} vs {run_b.django}")
    return refuse, warn


def _cpu(run: Run) -> str:
    return str(run.machine.get("cpu", {}).get("brand_raw", ""))


@dataclass(frozen=True)
class Outcome:
    """A finished comparison of two runs, as every presentation of it shows it."""

    comparisons: list[Comparison]
    changes: list[ExactChange]  # the exact co-metrics that differ
    label_a: str
    label_b: str
    threshold: float
    warnings: list[str]
    only_a: list[str] = field(default_factory=list)  # benchmarks only one run measured (a
    only_b: list[str] = field(default_factory=list)  # variant another Django cannot run, say)
    counts: list[CountComparison] = field(default_factory=list)  # where both runs counted

    @property
    def regressions(self) -> list[Comparison]:
        """Time verdicts "slower"; beside instruction counts, context only."""
        return [c for c in self.comparisons if c.verdict == "slower"]

    @property
    def count_regressions(self) -> list[CountComparison]:
        return [c for c in self.counts if c.verdict == "slower"]

    @property
    def gating(self) -> int:
        """How many benchmarks got slower by the measure the comparison gates on: instruction
        counts where both runs have them, else time."""
        return len(self.count_regressions) if self.counts else len(self.regressions)

    @property
    def more_queries(self) -> list[ExactChange]:
        return [c for c in self.changes if c.more_queries]


def outcome(
    run_a: Run, run_b: Run, labels: tuple[str, str], threshold: float, warnings: list[str]
) -> Outcome:
    """Timing verdicts and exact changes of B against A, labelled with their commits."""
    label_a, label_b = (
        f"{given} (commit {str(run.commit.get('id', '?'))[:10]}, Django {run.django})"
        for given, run in zip(labels, (run_a, run_b), strict=True)
    )
    keys_a, keys_b = set(run_a.valid_by_key()), set(run_b.valid_by_key())
    return Outcome(
        compare_runs(run_a, run_b, threshold),
        exact_changes(run_a, run_b),
        label_a,
        label_b,
        threshold,
        warnings,
        [_name(k) for k in sorted(keys_a - keys_b)],
        [_name(k) for k in sorted(keys_b - keys_a)],
        compare_counts(run_a, run_b),
    )


def _name(key: Key) -> str:
    database, scenario, variant, n = key
    return f"{database}/{scenario}/{variant}/n={n}"
