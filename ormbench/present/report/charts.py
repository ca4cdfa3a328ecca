"""The PNG charts. Each function draws one figure from rows and writes one file."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ormbench.analysis.stats import crossover
from ormbench.present import numbers
from ormbench.present.rows import Row, best_speedups, headline
from ormbench.present.style import (
    INVALID_COLOR,
    database_color,
    figure,
    save,
    time_axis,
    variant_colors,
)

LOG_RANGE = 20  # use a log axis when the largest value is this many times the smallest


def overview(rows: list[Row], databases: list[str], path: Path, *, compact: bool = False) -> None:
    """Heatmap: best optimized speedup over naive, scenario by database, log colour scale."""
    best = best_speedups(rows)
    scenarios = sorted(
        {r.scenario for r in rows},
        key=lambda s: (
            -max(
                (b.speedup or 0) if (b := best.get((s, d))) and not b.wrong_by_design else 0
                for d in databases
            )
        ),
    )
    grid = np.full((len(scenarios), len(databases)), np.nan)
    for i, scenario in enumerate(scenarios):
        for j, database in enumerate(databases):
            row = best.get((scenario, database))
            if row is not None and row.speedup and not row.wrong_by_design:
                grid[i, j] = math.log10(row.speedup)
    width, height = (
        (5.5, 0.26 * len(scenarios) + 1.4)
        if compact
        else (4.0 + 2.6 * len(databases), 0.34 * len(scenarios) + 1.8)
    )
    fig = figure(width, height)
    ax = fig.add_subplot()
    limit = max(1.0, float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0)
    image = ax.imshow(grid, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(databases)), databases)
    ax.set_yticks(range(len(scenarios)), scenarios)
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.grid(False)
    for i, scenario in enumerate(scenarios):
        for j, database in enumerate(databases):
            text = _overview_cell(scenario, database, rows, best, compact)
            ax.text(j, i, text, ha="center", va="center", fontsize=7 if compact else 7.5)
    bar = fig.colorbar(image, ax=ax, shrink=0.6)
    ticks = [t for t in range(-int(limit), int(limit) + 1)]
    bar.set_ticks(ticks, labels=[numbers.ratio(10.0**t) for t in ticks])
    bar.set_label("best optimized speedup over naive (log scale)")
    ax.set_title(
        "Best speedup over naive"
        if compact
        else "Speedup of the best optimized variant over naive, at the largest n"
    )
    save(fig, path)


def _overview_cell(
    scenario: str,
    database: str,
    rows: list[Row],
    best: dict[tuple[str, str], Row | None],
    compact: bool,
) -> str:
    if not any(r.scenario == scenario and r.database == database for r in rows):
        return "not run"
    row = best.get((scenario, database))
    if row is None:
        return "INVALID"
    if row.wrong_by_design:
        return headline(row)
    return numbers.ratio(row.speedup or 0) if compact else f"{headline(row)}\n{row.variant}"


def variants_at_largest_n(scenario: str, rows: list[Row], databases: list[str], path: Path) -> None:
    """Median per variant per database at the largest n, IQR whiskers, speedup and queries."""
    n = max(r.n for r in rows)
    at_n = [r for r in rows if r.n == n]
    variants = _variant_order(at_n)
    fig = figure(8.5, 0.5 + 0.32 * len(variants) * len(databases) + 0.8)
    ax = fig.add_subplot()
    height = 0.8 / max(1, len(databases))
    cells = {(r.variant, r.database): r for r in at_n}
    for j, database in enumerate(databases):
        for i, variant in enumerate(variants):
            row = cells.get((variant, database))
            if row is None:
                continue
            y = i + (j - (len(databases) - 1) / 2) * height
            color = database_color(database) if row.valid else INVALID_COLOR
            low, high = row.median - _q1(row), _q3(row) - row.median
            ax.barh(
                y,
                row.median,
                height=height * 0.9,
                color=color,
                hatch=None if row.valid else "//",
                xerr=[[max(low, 0)], [max(high, 0)]],
                error_kw={"elinewidth": 0.8, "capsize": 2},
                label=database if i == 0 else None,
            )
            note = (
                "INVALID"
                if not row.valid
                else f"{numbers.ratio(row.speedup) if row.speedup else ''} · {row.queries}q"
                + (" · noisy" if row.noisy else "")
            )
            ax.text(row.median + max(high, 0), y, f"  {note}", va="center", fontsize=7)
    ax.set_yticks(range(len(variants)), variants)
    ax.invert_yaxis()
    medians = [r.median for r in at_n]
    if max(medians) > LOG_RANGE * min(medians):
        ax.set_xscale("log")
    time_axis(ax.xaxis)
    ax.set_xlabel("median time per call; whiskers: interquartile range")
    ax.set_title(f"{scenario}, n = {n}: time per variant")
    ax.legend(loc="lower right")
    ax.margins(x=0.25)
    save(fig, path)


def scaling(scenario: str, rows: list[Row], databases: list[str], path: Path) -> list[str]:
    """log-log time against n per variant, one panel per database; crossovers marked.

    Returns a sentence per crossover found, for the page to print beside the chart.
    """
    fig, axes, variants, naive, colors = _panels(rows, databases)
    notes = []
    for ax, database in zip(axes, databases, strict=True):
        series = _series(rows, database)
        for variant in variants:
            points = series.get(variant, [])
            if points:
                ns, meds = zip(*points, strict=True)
                ax.plot(
                    ns,
                    meds,
                    marker="o",
                    color=colors[variant],
                    label=variant,
                    linestyle="-" if variant == naive else "--",
                )
        for variant in variants:
            n_cross = _crossover_of(series, naive, variant)
            if n_cross is not None:
                ax.axvline(n_cross, color=colors[variant], linestyle=":", linewidth=1)
                ax.annotate(
                    f"n≈{n_cross:.0f}",
                    (n_cross, ax.get_ylim()[0]),
                    fontsize=7,
                    rotation=90,
                    va="bottom",
                    ha="right",
                )
                notes.append(f"{database}: {variant} and {naive} cross at n ≈ {n_cross:.0f}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n")
        time_axis(ax.yaxis)
        ax.set_title(database, fontsize=9)
    axes[0].set_ylabel("median time per call")
    _legend(fig, axes)
    fig.suptitle(f"{scenario}: time against n", fontweight="bold")
    save(fig, path)
    return notes


def memory(scenario: str, rows: list[Row], databases: list[str], path: Path) -> None:
    """Peak Python memory (tracemalloc) against n per variant, one panel per database."""
    fig, axes, variants, naive, colors = _panels(rows, databases)
    for ax, database in zip(axes, databases, strict=True):
        for variant in variants:
            points = sorted(
                (r.n, r.memory)
                for r in rows
                if r.database == database and r.variant == variant and r.memory
            )
            if points:
                ns, peaks = zip(*points, strict=True)
                ax.plot(
                    ns, [p / 1e6 for p in peaks], marker="o", color=colors[variant], label=variant
                )
        ax.set_xscale("log")
        ax.set_xlabel("n")
        ax.set_title(database, fontsize=9)
    axes[0].set_ylabel("peak Python memory (MB)")
    _legend(fig, axes)
    fig.suptitle(f"{scenario}: peak memory against n", fontweight="bold")
    save(fig, path)


def memory_matters(rows: list[Row]) -> bool:
    """Worth a chart: at the largest n, some variant peaks at over twice another's memory."""
    n = max(r.n for r in rows)
    peaks = [r.memory for r in rows if r.n == n and r.memory]
    return bool(peaks) and max(peaks) > 2 * min(peaks)


def _panels(rows: list[Row], databases: list[str]) -> tuple[Any, Any, list[str], str, dict]:
    """A figure with one panel per database, and the variants in order with their colours."""
    variants = _variant_order(rows)
    naive = next((r.variant for r in rows if r.role == "naive"), variants[0])
    fig = figure(4.0 * len(databases) + 1, 3.4)
    axes = fig.subplots(1, len(databases), squeeze=False, sharey=True)[0]
    return fig, axes, variants, naive, variant_colors(variants, naive)


def _legend(fig: Any, axes: Any) -> None:
    """One legend for all panels, from whichever panels drew each variant."""
    labelled: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            labelled.setdefault(label, handle)
    if labelled:
        fig.legend(
            labelled.values(),
            labelled.keys(),
            loc="outside lower center",
            ncols=min(4, len(labelled)),
        )


def _series(rows: list[Row], database: str) -> dict[str, list[tuple[int, float]]]:
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r.n):
        if r.database == database and r.valid:
            series[r.variant].append((r.n, r.median))
    return series


def _crossover_of(
    series: dict[str, list[tuple[int, float]]], naive: str, variant: str
) -> float | None:
    if variant == naive:
        return None
    naive_at, variant_at = dict(series.get(naive, [])), dict(series.get(variant, []))
    ns = sorted(set(naive_at) & set(variant_at))
    if len(ns) < 2:
        return None
    return crossover(ns, [naive_at[n] for n in ns], [variant_at[n] for n in ns])


def _variant_order(rows: list[Row]) -> list[str]:
    return [v for _, v in sorted({(r.role != "naive", r.variant) for r in rows})]


def _q1(row: Row) -> float:
    return row.q1 if row.q1 is not None else row.median


def _q3(row: Row) -> float:
    return row.q3 if row.q3 is not None else row.median
