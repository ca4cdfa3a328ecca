"""The plans each variant's statements got (`ormbench.worker.probes.cometrics.plans_of`), read for
the report: per scenario at its largest n, and the findings worth a line in the summary, where an
optimized variant's plan sorts, scans or builds a temporary table that the naive one's does not.
"""

from __future__ import annotations

from ormbench.analysis.plans import marks
from ormbench.results import Run


def largest_n(run: Run, scenario: str) -> int | None:
    sizes = [b.figures.n for b in run.benchmarks if b.figures.scenario == scenario]
    return max(sizes) if sizes else None


def at_largest_n(run: Run, scenario: str) -> dict[tuple[str, str], list[str]]:
    """(database, variant) -> the plan of each statement shape, in the order they ran."""
    n = largest_n(run, scenario)
    return {
        (b.figures.database, b.figures.variant): list(dict.fromkeys(b.figures.plans.values()))
        for b in run.benchmarks
        if b.figures.scenario == scenario and b.figures.n == n and b.figures.plans
    }


def heaviest_at_largest_n(run: Run, scenario: str) -> dict[tuple[str, str], str]:
    """(database, variant) -> the full plan of its heaviest statement shape
    (`ormbench.worker.probes.heaviest`)."""
    n = largest_n(run, scenario)
    return {
        (b.figures.database, b.figures.variant): b.figures.heaviest_plan
        for b in run.benchmarks
        if b.figures.scenario == scenario and b.figures.n == n and b.figures.heaviest_plan
    }


def findings(run: Run) -> list[str]:
    """One line per optimized variant whose plan adds a full scan, a sort or a temporary table
    to what the naive variant's plan did, on that database at the largest n."""
    lines = []
    roles = {(b.figures.scenario, b.figures.variant): b.figures.role for b in run.benchmarks}
    for scenario in dict.fromkeys(b.figures.scenario for b in run.benchmarks):
        found = at_largest_n(run, scenario)
        naive = {
            database: {m for plan in shown for m in marks(plan)}
            for (database, variant), shown in found.items()
            if roles.get((scenario, variant)) == "naive"
        }
        for (database, variant), shown in sorted(found.items()):
            if roles.get((scenario, variant)) == "naive" or database not in naive:
                continue
            added = {m for plan in shown for m in marks(plan)} - naive[database]
            if added:
                named = [f"a {mark}" for mark in sorted(added)]
                what = " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
                lines.append(
                    f"{database}: {scenario}/{variant} at n={largest_n(run, scenario)} plans "
                    f"{what} where the naive variant does not (report: Plans)"
                )
    return lines
