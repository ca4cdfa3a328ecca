"""Pure functions over measured figures: naive against optimized, run A against run B."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import stats
from bench.stats import DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Comparison:
    """One benchmark measured in run A and run B (see `bench.stats` for the verdicts)."""

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


def compare_runs(
    doc_a: dict[str, Any], doc_b: dict[str, Any], threshold: float = DEFAULT_THRESHOLD
) -> list[Comparison]:
    """Every valid benchmark present in both runs, changes first, then by effect."""
    a_by_key, b_by_key = _by_key(doc_a), _by_key(doc_b)
    keys = sorted(set(a_by_key) & set(b_by_key))
    tests = []
    for k in keys:
        normalize = _cpu_bound(a_by_key[k], b_by_key[k])
        tests.append(
            stats.process_test(
                _process_medians(a_by_key[k], normalize), _process_medians(b_by_key[k], normalize)
            )
        )
    adjusted = stats.holm([t.p_value for t in tests])
    testable = sum(t.testable for t in tests)
    out = []
    for key, test, p_value in zip(keys, tests, adjusted, strict=True):
        a, b = a_by_key[key], b_by_key[key]
        smallest = stats.resolution(test, testable)
        out.append(
            Comparison(
                *key,
                len(_data(a)),
                len(_data(b)),
                test.processes_a,
                test.processes_b,
                a["stats"]["median"],
                b["stats"]["median"],
                test.ratio,
                test.ci_low,
                test.ci_high,
                p_value,
                smallest,
                stats.verdict(test, p_value, smallest, threshold),
            )
        )
    return sorted(
        out,
        key=lambda c: (stats.VERDICTS.index(c.verdict), -abs(math.log(c.ratio))),
    )


def _by_key(doc: dict[str, Any]) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    return {
        (i["database"], i["scenario"], i["variant"], i["n"]): b
        for b in doc["benchmarks"]
        if (i := b["extra_info"]).get("valid")
    }


CPU_BOUND = 0.75  # share of the check call's wall time the client process spent on a CPU


def _process_medians(benchmark: dict[str, Any], normalize: bool) -> list[float]:
    """One sample per process: its median round in units of the machine's speed just before
    that round (`bench.speed`) if asked and every process measured it, else as timed."""
    info = benchmark["extra_info"]
    medians = list(info.get("process_medians") or [benchmark["stats"]["median"]])
    normalized = info.get("process_normalized") or []
    if normalize and len(normalized) == len(medians) and all(normalized):
        return list(normalized)
    return medians


def _cpu_bound(*benchmarks: dict[str, Any]) -> bool:
    """Whether the client's CPU carried the call on both sides (their checked calls): only then
    does the machine's CPU speed explain its time. A loop of commits waits on fsync, a query on
    the server: dividing those by a Python workload's time adds noise instead of removing it
    (one such benchmark's process spread went from 8% to 42%)."""
    return all((b["extra_info"].get("cpu_share") or 0) >= CPU_BOUND for b in benchmarks)


def _data(benchmark: dict[str, Any]) -> list[float]:
    return list(benchmark["stats"].get("data") or [benchmark["stats"]["median"]])


def comparability(doc_a: dict[str, Any], doc_b: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(reasons the runs cannot be compared, differences worth a warning)."""
    ma, mb = doc_a["ormbench"], doc_b["ormbench"]
    refuse, warn = [], []
    if ma["scale"] != mb["scale"]:
        refuse.append(f"different scales: {ma['scale']} vs {mb['scale']}")
    shared = set(ma["databases"]) & set(mb["databases"])
    if not any(d for d in shared if "dataset" in ma["databases"][d]):
        refuse.append("no database in common")
    for name in sorted(shared):
        da, db = ma["databases"][name], mb["databases"][name]
        if da.get("dataset", {}).get("checksum") != db.get("dataset", {}).get("checksum"):
            refuse.append(f"{name}: different datasets (checksum)")
        if da.get("server_version") != db.get("server_version"):
            warn.append(f"{name}: server {da.get('server_version')} vs {db.get('server_version')}")
        if da.get("settings") != db.get("settings"):
            warn.append(f"{name}: different server settings")
    node_a = (doc_a.get("machine_info", {}).get("node"), _cpu(doc_a))
    node_b = (doc_b.get("machine_info", {}).get("node"), _cpu(doc_b))
    if node_a != node_b:
        refuse.append(f"different machines: {node_a[0]} vs {node_b[0]}")
    if ma["environment"]["django"] != mb["environment"]["django"]:
        warn.append(f"Django {ma['environment']['django']} vs {mb['environment']['django']}")
    return refuse, warn


def _cpu(doc: dict[str, Any]) -> str:
    return str(doc.get("machine_info", {}).get("cpu", {}).get("brand_raw", ""))


def merge_runs(docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One run from several runs of the same code: round times pooled per benchmark.

    The first run, the one that checked everything, gives the metadata; statistics are
    recomputed from the pooled rounds with pytest-benchmark's own Stats, so the merged file
    reads like any other run. A benchmark any run found invalid is invalid.
    """
    from pytest_benchmark.stats import Stats

    merged = copy.deepcopy(docs[0])
    pooled: dict[str, list[float]] = {}
    medians: dict[str, list[float]] = {}
    normalized: dict[str, list[float | None]] = {}
    errors: dict[str, list[str]] = {}
    for doc in docs:
        for bench in doc["benchmarks"]:
            pooled.setdefault(bench["fullname"], []).extend(_data(bench))
            medians.setdefault(bench["fullname"], []).append(bench["stats"]["median"])
            normalized.setdefault(bench["fullname"], []).append(
                bench["extra_info"].get("speed_normalized_median")
            )
            if not bench["extra_info"].get("valid", False):
                errors.setdefault(bench["fullname"], []).append(
                    bench["extra_info"].get("error") or "invalid"
                )
    for bench in merged["benchmarks"]:
        if bench["fullname"] in errors:
            found = errors[bench["fullname"]]
            bench["extra_info"].update(valid=False, error="; ".join(dict.fromkeys(found)))
        stats = Stats()
        for value in pooled[bench["fullname"]]:
            stats.update(value)
        bench["stats"] = {
            **stats.as_dict(),
            "data": pooled[bench["fullname"]],
            "iterations": bench["stats"].get("iterations", 1),
        }
        bench["extra_info"]["process_medians"] = medians[bench["fullname"]]
        bench["extra_info"]["process_normalized"] = normalized[bench["fullname"]]
    merged["ormbench"]["merged_from"] = len(docs)
    return merged
