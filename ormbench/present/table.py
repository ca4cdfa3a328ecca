"""The terminal table printed at the end of a run."""

from __future__ import annotations

from ormbench.present import numbers
from ormbench.present.rows import Row, by_scenario, rows, unmeasured
from ormbench.results import Run, RunMeta

GAP = 2  # spaces between columns


def render(run: Run) -> str:
    """Per scenario: one line per (n, variant), one column per database, aligned whatever the
    names and figures."""
    meta = run.meta
    databases = [
        d for d, info in meta.databases.items() if "error" not in info and "skipped" not in info
    ]
    lines = []
    for scenario, scenario_rows in by_scenario(rows(run)).items():
        label = meta.scenarios.get(scenario, {}).get("label", "")
        cells = {(r.n, r.variant, r.database): r for r in scenario_rows}
        order = sorted({(r.n, r.role != "naive", r.variant) for r in scenario_rows})
        table = [["n", "variant", *databases]] + [
            [str(n), variant, *(_cell(cells.get((n, variant, d))) for d in databases)]
            for n, _, variant in order
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines += ["", f"{scenario}: {label}"]
        for row in table:
            first = row[0].rjust(widths[0])
            rest = (cell.ljust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
            lines.append(("  " + (" " * GAP).join([first, *rest])).rstrip())
    for scenario, reasons in unmeasured(run).items():
        label = meta.scenarios.get(scenario, {}).get("label", "")
        lines += ["", f"{scenario}: {label}", *(f"  skipped on {reason}" for reason in reasons)]
    lines += _problems(meta)
    return "\n".join(lines)


def _cell(row: Row | None) -> str:
    if row is None:
        return "-"
    if not row.valid:
        return f"INVALID {row.queries}q"
    # a variant wrong by design gets no speedup: its figures say what it got wrong
    speed = (
        numbers.ratio(row.speedup)
        if row.speedup is not None
        else "wrong"
        if row.wrong_by_design
        else "?"
    )
    noisy = "~" if row.noisy else ""
    figures = f" ({row.recorded_shown})" if row.recorded_shown else ""
    counted = f" {row.instructions_shown}" if row.instructions_shown else ""
    return f"{numbers.seconds(row.median)}{noisy} {speed} {row.queries_shown}{counted}{figures}"


def _problems(meta: RunMeta) -> list[str]:
    lines = [
        "",
        "median time, speedup against the naive variant (against the reference where the "
        "naive one is wrong by design; between CPU-bound variants in units of the machine's "
        "speed, timed beside their rounds), queries (/round trips on the wire "
        "where they differ; +Nc: connections the call opened); ~ marks a noisy figure (IQR "
        "above 25% of the median)",
    ]
    if meta.measure == "instructions":
        lines.append(
            "ins: instructions the client process executed in one call, counted under "
            "callgrind (Python, Django, the driver, and SQLite's engine; not a server's CPU), "
            "with the naive variant's count over this one's"
        )
    for name, info in meta.databases.items():
        if "skipped" in info:
            lines.append(f"SKIPPED {name}: {info['skipped']}")
        elif "error" in info:
            lines.append(f"FAILED {name}: {info['error']}")
    for skip in meta.skipped:
        lines.append(
            f"skipped {skip['database']} {skip['scenario']}/{skip['variant']} "
            f"n={skip['n']}: {skip['reason']}"
        )
    for fail in meta.failed:
        lines.append(
            f"{'INVALID' if fail.get('invalid') else 'FAILED'} {fail['database']} "
            f"{fail['scenario']}/{fail['variant']} n={fail['n']}: {fail['error']}"
        )
    return lines
