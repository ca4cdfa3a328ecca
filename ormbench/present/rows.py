"""Benchmarks of a run file, arranged for display: per scenario, n and variant, per database."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ormbench.analysis.compare import CPU_BOUND
from ormbench.present import numbers
from ormbench.results import Benchmark, Run, wrong_by_design

NOISY_IQR_RATIO = 0.25  # an IQR above a quarter of the median: the figure is flagged noisy


@dataclass(frozen=True)
class Row:
    scenario: str
    variant: str
    role: str
    database: str
    n: int
    median: float
    iqr: float
    q1: float | None
    q3: float | None
    rounds: int
    queries: int
    round_trips: int | None  # on the wire (None: SQLite, or a run from before they were counted)
    connects: int | None
    memory: int | None
    valid: bool
    error: str
    speedup: float | None  # baseline median / this median, same scenario, database and n
    # (the baseline: the naive variant, or the reference where the naive one is wrong by design)
    speedup_low: float | None = None  # naive's lower quartile / this one's upper quartile
    speedup_high: float | None = None  # naive's upper quartile / this one's lower quartile
    recorded: dict[str, Any] | None = None  # the scenario's own figures (lost_updates ...)
    recorded_samples: list[dict[str, Any]] | None = None  # the same figures over several calls
    observed: dict[str, Any] | None = None  # what a variant measured of its own call
    wrong_by_design: bool = False  # a naive variant the scenario shows to be wrong (its
    # reference is another variant): its figure is its correctness, never a speedup
    instructions: int | None = None  # --measure instructions: the client's count of one call
    instructions_speedup: float | None = None  # the baseline's count / this one's
    baseline: bool = False  # the variant speedups are against (naive, or the reference)

    @property
    def instructions_shown(self) -> str:
        """ "13.98 M ins", with "(8.2x fewer)" against the naive variant ("" when not counted)."""
        if self.instructions is None:
            return ""
        shown = f"{numbers.count(self.instructions)} ins"
        if self.role != "naive" and self.instructions_speedup:
            shown += f" ({numbers.ratio(self.instructions_speedup)})"
        return shown

    @property
    def queries_shown(self) -> str:
        """ "12q", or "12q/14rt" where the round trips on the wire differ from the queries;
        "+10c" after it where the call opened connections."""
        shown = f"{self.queries}q"
        if self.round_trips is not None and self.round_trips != self.queries:
            shown += f"/{self.round_trips}rt"
        return shown + (f"+{self.connects}c" if self.connects else "")

    @property
    def recorded_shown(self) -> str:
        """The scenario's own figures as words: "claimed twice 92, left 0" ("" when none); over
        several calls, their median and range: "lost updates 24 (18-31 in 5 calls)"."""
        figures: dict[str, Any] = {**(self.recorded or {}), **(self.observed or {})}
        samples = self.recorded_samples or []
        for key in self.recorded or {}:
            values = [v[key] for v in samples if isinstance(v.get(key), (int, float))]
            if len(values) > 1 and min(values) != max(values):
                middle = statistics.median(values)
                figures[key] = (
                    f"{middle:g} ({min(values):g}-{max(values):g} in {len(values)} calls)"
                )
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items())

    @property
    def noisy(self) -> bool:
        return self.iqr > NOISY_IQR_RATIO * self.median


def _is_baseline(run: Run, scenario: str, variant: str, role: str) -> bool:
    """Whether speedups are against this variant: the scenario's reference where its naive
    variant is wrong by design (it loses updates: a speedup against it would credit a correct
    variant with being correct), else the naive variant."""
    reference = run.meta.scenarios.get(scenario, {}).get("reference")
    return variant == reference if reference else role == "naive"


def rows(run: Run) -> list[Row]:
    """Every benchmark of a run, with its speedup against its scenario's baseline: the naive
    variant, or the reference where the naive one is wrong by design."""
    naive: dict[tuple[str, str, int], Benchmark] = {}
    naive_counts: dict[tuple[str, str, int], int] = {}
    for b in run.benchmarks:
        info = b.figures
        if _is_baseline(run, info.scenario, info.variant, info.role) and info.valid:
            naive[(info.scenario, info.database, info.n)] = b
            if info.instructions:
                naive_counts[(info.scenario, info.database, info.n)] = info.instructions
    out = []
    for b in run.benchmarks:
        info, stats = b.figures, b.stats
        baseline = naive.get((info.scenario, info.database, info.n))
        base_stats = baseline.stats if baseline else None
        base = baseline.stats["median"] * _machine_speed(baseline, b) if baseline else None
        reference = run.meta.scenarios.get(info.scenario, {}).get("reference")
        wrong = wrong_by_design(info.role, info.variant, reference)
        valid = info.valid
        low, high = _interval(base, base_stats, stats) if valid else (None, None)
        out.append(
            Row(
                scenario=info.scenario,
                variant=info.variant,
                role=info.role,
                database=info.database,
                n=info.n,
                median=stats["median"],
                iqr=stats["iqr"],
                q1=stats.get("q1"),
                q3=stats.get("q3"),
                rounds=stats["rounds"],
                queries=info.queries,
                round_trips=info.round_trips,
                connects=info.connects,
                memory=info.peak_memory_bytes,
                valid=valid,
                error=info.error,
                speedup=base / stats["median"]
                if valid and base and stats["median"] and not wrong
                else None,
                speedup_low=None if wrong else low,
                speedup_high=None if wrong else high,
                recorded=info.recorded,
                recorded_samples=info.recorded_samples,
                observed=info.observed,
                wrong_by_design=wrong,
                baseline=_is_baseline(run, info.scenario, info.variant, info.role),
                instructions=info.instructions,
                instructions_speedup=_ratio(
                    naive_counts.get((info.scenario, info.database, info.n)), info.instructions
                )
                if valid
                else None,
            )
        )
    return out


def _interval(
    base: float | None, base_stats: dict[str, float] | None, stats: dict[str, float]
) -> tuple[float | None, float | None]:
    """The speedup's range: the baseline's quartiles (scaled as its median) over this one's."""
    if not (base and base_stats and stats.get("q1") and stats.get("q3")):
        return None, None
    scaled = base / base_stats["median"]
    low = base_stats.get("q1", base) * scaled / stats["q3"]
    return low, base_stats.get("q3", base) * scaled / stats["q1"]


def _machine_speed(baseline: Benchmark, other: Benchmark) -> float:
    """How much faster the machine ran `other` than `baseline`, for two CPU-bound benchmarks
    with the speed reference timed beside their rounds (`ormbench.worker.speed`), else 1: the
    baseline's times are scaled by it, so a speedup is not a slow spell of this VM (1.7-1.8x
    for seconds at a time) landing on one variant's rounds. A benchmark mostly waiting on a
    server is left as measured: the reference times this process's Python, not the server."""
    pair = (baseline.figures, other.figures)
    if not all((f.cpu_share or 0) >= CPU_BOUND and f.speed_reference_seconds for f in pair):
        return 1.0
    return (other.figures.speed_reference_seconds or 1) / (
        baseline.figures.speed_reference_seconds or 1
    )


def _ratio(base: int | None, value: int | None) -> float | None:
    return base / value if base and value else None


def unmeasured(run: Run) -> dict[str, list[str]]:
    """Scenarios of which every case was skipped (a scale it does not run at, a backend it does
    not apply to), with the distinct reasons: shown as such, not left out."""
    measured = {b.figures.scenario for b in run.benchmarks}
    reasons: dict[str, list[str]] = defaultdict(list)
    for skip in run.meta.skipped:
        name, reason = skip["scenario"], f"{skip['database']}: {skip['reason']}"
        if name not in measured and reason not in reasons[name]:
            reasons[name].append(reason)
    return dict(sorted(reasons.items()))


def by_scenario(all_rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in all_rows:
        grouped[row.scenario].append(row)
    return dict(sorted(grouped.items()))


def best_speedups(rows: list[Row]) -> dict[tuple[str, str], Row | None]:
    """Per (scenario, database): the best valid optimized row at the largest n measured, against
    the baseline (naive, or the reference where naive is wrong by design).

    Best by the lower end of its speedup's interquartile range (naive's q1 over its q3), not by
    the median: the maximum of several noisy medians picks the luckiest figure, and a noisy
    figure has the wider range, so this rule does not reward noise. None when the baseline row
    at that n is invalid, or every optimized row there is invalid. Where the naive variant is
    wrong by design and no variant but the reference is correct, that naive row itself: its
    figure is what it got wrong.
    """
    largest: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r.scenario, r.database)
        largest[key] = max(largest.get(key, 0), r.n)
    best: dict[tuple[str, str], Row | None] = {}
    for key, n in largest.items():
        at_n = [r for r in rows if (r.scenario, r.database) == key and r.n == n]
        baseline_ok = any(r.baseline and r.valid for r in at_n)
        wrong = [r for r in at_n if r.wrong_by_design]
        candidates = [
            r for r in at_n if r.role != "naive" and not r.baseline and r.valid and r.speedup
        ]
        best[key] = (
            max(candidates, key=lambda r: r.speedup_low or r.speedup or 0)
            if baseline_ok and candidates
            else wrong[0]
            if wrong
            else None
        )
    return best


LOSS_BELOW = 0.9  # a speedup under 0.9x is a loss worth naming; closer to 1 is within noise


def loses(row: Row) -> bool:
    """A valid optimized variant slower than the baseline beyond noise: even the two ends of the
    interquartile ranges that favour it (`speedup_high`) give under 0.9x. By the medians alone,
    two variants sending the same SQL (annotate_position) were listed as a loss at 0.86x."""
    if not row.valid or row.role != "optimized" or row.baseline or row.speedup is None:
        return False
    return (row.speedup_high if row.speedup_high is not None else row.speedup) < LOSS_BELOW


def headline(row: Row) -> str:
    """ "12x (9.5x-15x)": the speedup with its interquartile range; for a naive variant that is
    wrong by design, what it got wrong."""
    if row.wrong_by_design:
        return f"naive: {row.recorded_shown or 'wrong by design'}"
    shown = numbers.ratio(row.speedup or 0)
    if row.speedup_low and row.speedup_high:
        shown += f" ({numbers.ratio(row.speedup_low)}-{numbers.ratio(row.speedup_high)})"
    return shown
