"""The figures for other tools to read: a comparison as JSON (`compare --json`), a run in
Bencher's Metric Format (`ormbench export --format bmf`), and the Markdown a GitHub Actions job
shows as its summary. Each JSON document has its JSON Schema in `schemas/` beside this module
(`run`, `comparison`, `bmf`), shipped in the wheel and held to by the tests.

A figure that was not measured is null, never a made-up number: JSON has no NaN or infinity,
and a ratio without a confidence interval (too few processes) has none to give. An invalid
benchmark is left out of the BMF export (a tracker would chart it as a figure like any other)
and named in the comparison's only_a/only_b lists when one side lost it.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from ormbench.analysis.compare import Comparison, Outcome
from ormbench.analysis.compare_counts import CountComparison
from ormbench.present import comparison, summary
from ormbench.results import Run

COMPARISON_FORMAT = "django-ormbench/comparison"
COMPARISON_VERSION = 1
# Bencher's built-in latency measure is in nanoseconds; the others are the suite's own slugs.
BMF_MEASURES = ("latency", "instructions", "queries", "round-trips")


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema `schemas/<name>.schema.json`."""
    text = resources.files(__package__).joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else float(value)


def _time(c: Comparison) -> dict[str, Any]:
    return {
        "median_a": c.median_a,
        "median_b": c.median_b,
        "ratio": _finite(c.ratio),
        "ci_low": _finite(c.ci_low),
        "ci_high": _finite(c.ci_high),
        "p_value": _finite(c.p_value),
        "resolution": _finite(c.resolution),
        "processes_a": c.processes_a,
        "processes_b": c.processes_b,
        "verdict": c.verdict,
    }


def _instructions(c: CountComparison) -> dict[str, Any]:
    return {
        "a": c.instructions_a,
        "b": c.instructions_b,
        "ratio": c.ratio,
        "floor": c.floor,
        "resolution": 1 + c.resolution,
        "calls_a": c.calls_a,
        "calls_b": c.calls_b,
        "estimated_cycles_a": c.cycles_a,
        "estimated_cycles_b": c.cycles_b,
        "verdict": c.verdict,
    }


def comparison_document(o: Outcome, runs: tuple[Path, Path], failed: bool) -> dict[str, Any]:
    """Everything the terminal table shows, for every benchmark (schema: comparison)."""
    counted = {c.key: c for c in o.counts}
    return {
        "format": COMPARISON_FORMAT,
        "version": COMPARISON_VERSION,
        "a": {"label": o.label_a, "run": str(runs[0])},
        "b": {"label": o.label_b, "run": str(runs[1])},
        "threshold": o.threshold,
        "decided_by": "instructions" if o.counts else "time",
        "regressions": o.gating,
        "more_queries": len(o.more_queries),
        "failed": failed,
        "summary": comparison.counts(o.comparisons),
        "warnings": list(o.warnings),
        "benchmarks": [
            {
                "name": c.key,
                "database": c.database,
                "scenario": c.scenario,
                "variant": c.variant,
                "n": c.n,
                "time": _time(c),
                "instructions": _instructions(counted[c.key]) if c.key in counted else None,
            }
            for c in o.comparisons
        ],
        "exact_changes": [
            {"name": e.name, "figure": e.metric, "a": e.before, "b": e.after} for e in o.changes
        ],
        "only_a": list(o.only_a),
        "only_b": list(o.only_b),
    }


def bmf(run: Run) -> dict[str, dict[str, dict[str, float]]]:
    """Every valid benchmark of `run` in Bencher's Metric Format: latency in nanoseconds (the
    median round, bounded by its interquartile range), instructions when counted, queries, and
    round trips where the database reports them."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for b in run.benchmarks:
        if not b.valid:
            continue
        f = b.figures
        low, high = (float(b.stats.get(q, b.median)) for q in ("q1", "q3"))
        measures: dict[str, dict[str, float]] = {
            "latency": {
                "value": b.median * 1e9,
                "lower_value": low * 1e9,
                "upper_value": high * 1e9,
            },
            "queries": {"value": float(f.queries)},
        }
        if f.instructions:
            measures["instructions"] = {"value": float(f.instructions)}
        if f.round_trips is not None:
            measures["round-trips"] = {"value": float(f.round_trips)}
        database, scenario, variant, n = b.key
        out[f"{database}/{scenario}/{variant}/n={n}"] = measures
    return out


def run_summary(run: Run) -> str:
    """A run as a job summary: what was measured, what failed, the biggest wins."""
    valid = sum(b.valid for b in run.benchmarks)
    invalid = len(run.benchmarks) - valid
    lines = [
        f"### django-ormbench: {len(run.benchmarks)} benchmarks on "
        f"{', '.join(run.meta.databases)} at scale {run.meta.scale}",
        "",
        f"**{valid} valid, {invalid} invalid, {len(run.meta.failed)} failed** "
        f"(Django {run.django})",
        "",
        "```",
        summary.render(run).strip(),
        "```",
    ]
    return "\n".join(lines) + "\n"
