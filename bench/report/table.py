"""The terminal table printed at the end of a run."""

from __future__ import annotations

from typing import Any

from bench.report import numbers
from bench.report.rows import Row, by_scenario, rows

CELL = 26


def render(doc: dict[str, Any]) -> str:
    """Per scenario: one line per (n, variant), one column per database."""
    meta = doc["ormbench"]
    databases = [
        d for d, info in meta["databases"].items() if "error" not in info and "skipped" not in info
    ]
    lines = []
    for scenario, scenario_rows in by_scenario(rows(doc)).items():
        label = meta["scenarios"].get(scenario, {}).get("label", "")
        lines += [
            "",
            f"{scenario}: {label}",
            f"  {'n':>6}  {'variant':<28}" + "".join(f"{d:<{CELL}}" for d in databases),
        ]
        cells = {(r.n, r.variant, r.database): r for r in scenario_rows}
        order = sorted({(r.n, r.role != "naive", r.variant) for r in scenario_rows})
        for n, _, variant in order:
            line = f"  {n:>6}  {variant:<28}"
            for database in databases:
                row = cells.get((n, variant, database))
                line += f"{_cell(row):<{CELL}}"
            lines.append(line.rstrip())
    lines += _problems(meta)
    return "\n".join(lines)


def _cell(row: Row | None) -> str:
    if row is None:
        return "-"
    if not row.valid:
        return f"INVALID {row.queries}q"
    speed = numbers.ratio(row.speedup) if row.speedup is not None else "?"
    noisy = "~" if row.noisy else ""
    return f"{numbers.seconds(row.median)}{noisy} {speed} {row.queries}q"


def _problems(meta: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "median time, speedup against the naive variant, queries; ~ marks a noisy "
        "figure (IQR above 25% of the median)",
    ]
    for name, info in meta["databases"].items():
        if "skipped" in info:
            lines.append(f"SKIPPED {name}: {info['skipped']}")
        elif "error" in info:
            lines.append(f"FAILED {name}: {info['error']}")
    for skip in meta.get("skipped", []):
        lines.append(
            f"skipped {skip['database']} {skip['scenario']}/{skip['variant']} "
            f"n={skip['n']}: {skip['reason']}"
        )
    for fail in meta.get("failed", []):
        lines.append(
            f"{'INVALID' if fail.get('invalid') else 'FAILED'} {fail['database']} "
            f"{fail['scenario']}/{fail['variant']} n={fail['n']}: {fail['error']}"
        )
    return lines
