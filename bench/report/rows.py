"""Benchmarks of a run file, arranged for display: per scenario, n and variant, per database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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
    memory: int | None
    valid: bool
    error: str
    speedup: float | None  # naive median / this median, same scenario, database and n

    @property
    def queries_shown(self) -> str:
        """ "12q", or "12q/14rt" where the round trips on the wire differ from the queries."""
        if self.round_trips is None or self.round_trips == self.queries:
            return f"{self.queries}q"
        return f"{self.queries}q/{self.round_trips}rt"

    @property
    def noisy(self) -> bool:
        return self.iqr > NOISY_IQR_RATIO * self.median


def rows(doc: dict[str, Any]) -> list[Row]:
    """Every benchmark of a run, with its speedup against the naive variant."""
    naive: dict[tuple[str, str, int], float] = {}
    for b in doc["benchmarks"]:
        info = b["extra_info"]
        if info.get("role") == "naive" and info.get("valid"):
            naive[(info["scenario"], info["database"], info["n"])] = b["stats"]["median"]
    out = []
    for b in doc["benchmarks"]:
        info, stats = b["extra_info"], b["stats"]
        base = naive.get((info["scenario"], info["database"], info["n"]))
        valid = bool(info.get("valid"))
        out.append(
            Row(
                scenario=info["scenario"],
                variant=info["variant"],
                role=info.get("role", ""),
                database=info["database"],
                n=info["n"],
                median=stats["median"],
                iqr=stats["iqr"],
                q1=stats.get("q1"),
                q3=stats.get("q3"),
                rounds=stats["rounds"],
                queries=info.get("queries", 0),
                round_trips=info.get("round_trips"),
                memory=info.get("peak_memory_bytes"),
                valid=valid,
                error=info.get("error", ""),
                speedup=base / stats["median"] if valid and base and stats["median"] else None,
            )
        )
    return out


def by_scenario(all_rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in all_rows:
        grouped[row.scenario].append(row)
    return dict(sorted(grouped.items()))
