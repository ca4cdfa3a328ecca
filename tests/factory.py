"""Synthetic runs for the fast tests: every field the results model requires, filled with
plain defaults, so a test states only the figures it is about."""

from __future__ import annotations

import statistics
from typing import Any

from ormbench.results import SCHEMA_VERSION, Run


def benchmark(
    variant: str = "v",
    *,
    rounds: list[float] | None = None,
    scenario: str = "s",
    database: str = "sqlite",
    n: int = 100,
    role: str = "optimized",
    stats: dict[str, float] | None = None,
    **figures: Any,
) -> dict[str, Any]:
    """One pytest-benchmark entry; its stats from `rounds` unless given."""
    data = rounds or [0.001]
    quartiles = statistics.quantiles(data, n=4) if len(data) > 1 else [data[0]] * 3
    name = f"test_{scenario}[{database}-{variant}-n{n}]"
    return {
        "name": name,
        "fullname": f"bench/cases.py::{name}",
        "group": f"{database}: {scenario} n={n}",
        "params": None,
        "stats": stats
        or {
            "median": statistics.median(data),
            "q1": quartiles[0],
            "q3": quartiles[2],
            "iqr": quartiles[2] - quartiles[0],
            "rounds": len(data),
            "data": data,
        },
        "extra_info": {
            "scenario": scenario,
            "variant": variant,
            "role": role,
            "database": database,
            "vendor": database,
            "scale": "xs",
            "n": n,
            "queries": 1,
            "expected_queries": 1,
            "valid": True,
            "error": "",
            **figures,
        },
    }


def run_doc(benchmarks: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {
        "commit_info": {"id": "abc123"},
        "machine_info": {"node": "here"},
        "benchmarks": benchmarks,
        "ormbench": {
            "schema_version": SCHEMA_VERSION,
            "scale": "xs",
            "databases": {"sqlite": {}},
            "environment": {"django": "5.2"},
            **meta,
        },
    }


def run(benchmarks: list[dict[str, Any]], **meta: Any) -> Run:
    return Run.read(run_doc(benchmarks, **meta))
