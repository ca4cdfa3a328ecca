"""`compare A B`: two git revisions benchmarked here, alternating, or two stored run files;
verdicts printed, written for a pull request, and the exit status a CI gate reads."""

from __future__ import annotations

import sys
from pathlib import Path

from ormbench import store
from ormbench.analysis.compare import comparability, outcome
from ormbench.errors import BenchError
from ormbench.parent import revisions
from ormbench.parent.djangos import DjangoEnv
from ormbench.parent.request import RunRequest
from ormbench.present import comparison


def main(
    a: str,
    b: str,
    request: RunRequest | None,
    *,
    djangos: tuple[DjangoEnv, DjangoEnv] | None = None,
    alternations: int,
    budget_seconds: float,
    threshold: float,
    force: bool,
    report_only: bool,
    results: Path,
) -> int:
    """`request`: how to benchmark revisions, or the two `djangos` (None: `a` and `b` are run
    files)."""
    if request is None:
        path_a, path_b = Path(a), Path(b)
    elif alternations < 1:
        raise BenchError("--alternations must be 1 or more")
    elif djangos is not None:
        path_a, path_b = revisions.run_djangos(*djangos, request, alternations, budget_seconds)
        a, b = (django.label for django in djangos)
    else:
        path_a, path_b = revisions.run_revisions(a, b, request, alternations, budget_seconds)
    run_a, run_b = store.load_run(path_a), store.load_run(path_b)
    refusals, warnings = comparability(run_a, run_b)
    if refusals and not force:
        raise BenchError(
            f"runs are not comparable: {'; '.join(refusals)} (--force to compare anyway)"
        )
    found = outcome(run_a, run_b, (a, b), threshold, refusals + warnings)
    print(comparison.terminal(found))
    folder = store.save_comparison(
        results,
        {
            "summary.md": comparison.markdown(found),
            "index.html": comparison.page(found, "ratios.png"),
        },
        draw={"ratios.png": lambda path: comparison.chart(found.comparisons, path)},
    )
    print(
        f"\ncomparison: {folder / 'index.html'}\nsummary for a pull request: "
        f"{folder / 'summary.md'}\nruns: {path_a} {path_b}"
    )
    if (found.gating or found.more_queries) and not report_only:
        measure = "regressions in instructions" if found.counts else "significant regressions"
        print(
            f"\nFAILED: {found.gating} {measure}, "
            f"{len(found.more_queries)} benchmarks sending more queries",
            file=sys.stderr,
        )
        return 1
    return 0
