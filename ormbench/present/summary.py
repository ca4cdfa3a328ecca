"""The few lines a run ends with: per database, the biggest wins and where an optimization loses."""

from __future__ import annotations

from collections import defaultdict

from ormbench.analysis.stats import crossover
from ormbench.present import numbers, plans
from ormbench.present.rows import Row, best_speedups, headline, loses, rows
from ormbench.results import Run

WINS_SHOWN = 3


def render(run: Run) -> str:
    by_database: dict[str, list[Row]] = defaultdict(list)
    for row in rows(run):
        by_database[row.database].append(row)
    lines = [
        "",
        "summary (speedup of the best optimized variant against the naive one, with its "
        "interquartile range; best by the low end of that range):",
    ]
    for database, found in by_database.items():
        lines.append(f"  {database}: {_wins(found)}")
        lines += [f"    {loss}" for loss in _losses(found)]
    worth_a_look = plans.findings(run)
    if worth_a_look:
        lines.append("plans worth a look:")
        lines += [f"  {line}" for line in worth_a_look]
    steadiness = machine_steadiness(run)
    if steadiness:
        lines.append(steadiness)
    lines += where_the_time_went(run)
    return "\n".join(lines)


SHOWN_SHARE = 0.005  # phases under half a percent of a worker's time are summed as "others"


def where_the_time_went(run: Run) -> list[str]:
    """Per database, its server's start and where its worker's time went, phase by phase
    (the worker's own profile, `ormbench.worker.probes.profile`): what a cut must aim at."""
    lines = []
    for database, info in run.meta.databases.items():
        spent: dict[str, float] = info.get("profile_seconds") or {}
        if not sum(spent.values()):
            continue
        start = info.get("startup_seconds")
        server = f"server start {numbers.seconds(start)}; " if start else ""
        lines.append(f"  {database}: {server}{worker_phases(spent)}")
    if lines:
        took = numbers.seconds(run.meta.wall_seconds or 0.0)
        lines.insert(0, f"where the time went (the run took {took}):")
    return lines


def worker_phases(spent: dict[str, float]) -> str:
    """ "worker 40 s: timed work 20 s (50%), ...": one worker's profile, largest phase first."""
    total = sum(spent.values())
    ranked = sorted(spent.items(), key=lambda item: item[1], reverse=True)
    shown = [(name, s) for name, s in ranked if s >= SHOWN_SHARE * total]
    others = total - sum(s for _, s in shown)
    if others > 0:
        shown.append(("others", others))
    phases = ", ".join(f"{name} {numbers.seconds(s)} ({s / total:.0%})" for name, s in shown)
    return f"worker {numbers.seconds(total)}: {phases}"


def machine_steadiness(run: Run) -> str:
    """How steady the machine was during the run, from the fixed workload timed beside every
    benchmark (`ormbench.worker.speed`): the figures above are as exact as it was steady."""
    times = sorted(t for b in run.benchmarks if (t := b.figures.speed_reference_seconds))
    if len(times) < 10:
        return ""
    low, high = times[len(times) // 10], times[(9 * len(times)) // 10]
    return (
        f"machine speed during the run: a fixed Python workload timed beside every benchmark "
        f"took {numbers.seconds(low)} to {numbers.seconds(high)} (10th to 90th percentile): "
        f"medians can move by up to {high / low - 1:.0%} between runs for that alone"
    )


def _wins(found: list[Row]) -> str:
    best = [r for r in best_speedups(found).values() if r is not None]
    wins = [r for r in best if not r.wrong_by_design and (r.speedup or 0) > 1]
    ranked = sorted(wins, key=lambda r: r.speedup_low or r.speedup or 0, reverse=True)
    text = (
        "biggest wins "
        + ", ".join(
            f"{r.scenario}/{r.variant} {headline(r)} at n={r.n}" for r in ranked[:WINS_SHOWN]
        )
        if ranked
        else "no valid optimized variant"
    )
    wrong = [f"{r.scenario} {headline(r)} at n={r.n}" for r in best if r.wrong_by_design]
    return text + "".join(f"; {w}" for w in wrong)


def _losses(found: list[Row]) -> list[str]:
    """Optimized variants slower than the baseline (naive, or the reference) at some n, with
    the n where they cross."""
    naive = {(r.scenario, r.n): r.median for r in found if r.baseline and r.valid}
    series: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in found:
        if row.role == "optimized" and not row.baseline and row.speedup is not None:
            series[(row.scenario, row.variant)].append(row)
    out = []
    for (scenario, variant), points in sorted(series.items()):
        points.sort(key=lambda r: r.n)
        losing = [r for r in points if loses(r)]
        if not losing:
            continue
        shown = ", ".join(f"{numbers.ratio(r.speedup or 0)} at n={r.n}" for r in losing)
        ns = [r.n for r in points]
        cross = crossover(ns, [naive[(scenario, n)] for n in ns], [r.median for r in points])
        where = f"; they cross at n ≈ {cross:.0f}" if cross is not None else ""
        out.append(f"loses: {scenario}/{variant} {shown}{where}")
    return out
