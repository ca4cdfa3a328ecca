"""The report's charts as Vega-Lite specs, built with Altair: the overview heatmap and one chart
per scenario. Every point carries its figures for the tooltip and a link to its table row.

An invalid variant is never drawn as a figure: the heatmap shows its cell as INVALID in grey,
and a scenario's chart leaves it out (its row in the table says INVALID, with the reason).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import altair as alt

from ormbench.present import numbers, web
from ormbench.present.rows import Row, best_speedups, headline
from ormbench.present.web import FILTER_TEST, INVALID_COLOR, NAIVE_COLOR, PALETTE

PANEL_WIDTH = 230
RATIO_LABEL = "format(pow(10, datum.value), '.3~r') + 'x'"  # a log10 speedup's legend label


def row_id(r: Row) -> str:
    """The anchor of a benchmark's table row: `#b-<database>-<scenario>-<variant>-n<n>`."""
    return f"b-{r.database}-{r.scenario}-{r.variant}-n{r.n}"


def _point(r: Row) -> dict[str, Any]:
    """One benchmark as the tooltip shows it."""
    return {
        "name": f"{r.database}/{r.scenario}/{r.variant}/n={r.n}",
        "database": r.database,
        "variant": r.variant,
        "role": r.role,
        "n": r.n,
        "median": r.median,
        "q1": r.q1 if r.q1 is not None else r.median,
        "q3": r.q3 if r.q3 is not None else r.median,
        "time": numbers.seconds(r.median),
        "IQR": numbers.seconds(r.iqr),
        "speedup": numbers.ratio(r.speedup) if r.speedup else "-",
        "queries": r.queries,
        "round trips": "-" if r.round_trips is None else r.round_trips,
        "instructions": r.instructions_shown or "-",
        "href": f"#{row_id(r)}",
    }


def _variant_colours(rows: list[Row]) -> tuple[list[str], list[str]]:
    """The variants, naive first, and their colours: the naive one's own, then the palette."""
    variants = [v for _, v in sorted({(r.role != "naive", r.variant) for r in rows})]
    naive = {r.variant for r in rows if r.role == "naive"}
    others = iter(PALETTE)
    return variants, [NAIVE_COLOR if v in naive else next(others, "#777777") for v in variants]


TOOLTIP = ["name:N", "time:N", "IQR:N", "speedup:N", "queries:Q", "round trips:N",
           "instructions:N"]  # fmt: skip
# What differs between two scenarios' charts of one shape, as placeholders in its template.
TITLE, VARIANTS, COLOURS, DATABASES = "@title", ["@variants"], ["@colours"], ["@databases"]


def scenario(name: str, rows: list[Row], databases: list[str]) -> dict[str, Any]:
    """Time against n per variant, a panel per database (log-log); at one n, a bar per variant
    with its interquartile range. Naive solid, optimized dashed, so colour is not the only cue."""
    valid = [r for r in rows if r.valid]
    variants, colours = _variant_colours(rows)
    template = _scenario_template(len({r.n for r in valid}) > 1)
    found = _filled(template, {TITLE: name}, [(VARIANTS, variants), (COLOURS, colours),
                                               (DATABASES, databases)])  # fmt: skip
    found["datasets"] = {web.DATA: [_point(r) for r in valid]}
    return found


def _filled(node: Any, strings: dict[str, str], lists: list[tuple[list[str], list[str]]]) -> Any:
    """A copy of a template with its placeholders replaced."""
    if isinstance(node, dict):
        return {key: _filled(value, strings, lists) for key, value in node.items()}
    if isinstance(node, list):
        return next((v for p, v in lists if node == p), [_filled(v, strings, lists) for v in node])
    return strings.get(node, node) if isinstance(node, str) else node


@functools.cache
def _scenario_template(several_sizes: bool) -> dict[str, Any]:
    """A scenario's chart with placeholders for its title, variants and databases, built with
    Altair once per shape: built per scenario, Altair's copies and checks took 0.24 s a chart
    (13 s of a 23 s report)."""
    data = alt.Data(name=web.DATA)
    colour = alt.Color("variant:N", scale=alt.Scale(domain=VARIANTS, range=COLOURS),
                       title="variant")  # fmt: skip
    dashes = alt.Scale(domain=["naive", "optimized"], range=[[1, 0], [5, 3]])
    dash = alt.StrokeDash("role:N", scale=dashes, legend=None)
    base = alt.Chart(data).transform_filter(FILTER_TEST)
    if several_sizes:
        time = alt.Y("median:Q", scale=alt.Scale(type="log"), title="median time per call (s)")
        n = alt.X("n:Q", scale=alt.Scale(type="log"), title="n")
        layer = alt.layer(
            base.mark_line().encode(n, time, colour, dash, detail="variant:N"),
            base.mark_point(filled=True, size=45).encode(
                n, time, colour, href="href:N", tooltip=TOOLTIP
            ),
        )
    else:
        at = alt.Y("variant:N", title=None, sort=None)
        bar = alt.X("median:Q", title="median time per call (s); whiskers: IQR")
        layer = alt.layer(
            base.mark_bar().encode(at, bar, colour, href="href:N", tooltip=TOOLTIP),
            base.mark_rule().encode(at, alt.X("q1:Q"), alt.X2("q3:Q")),
        )
    chart = layer.properties(width=PANEL_WIDTH, height=170).facet(
        column=alt.Column("database:N", sort=DATABASES, title=None)
    )
    return web.spec(chart.properties(title=TITLE), [])


def overview(rows: list[Row], databases: list[str], compact: bool = False) -> dict[str, Any]:
    """The best optimized speedup per scenario and database, on a log colour scale that
    diverges at 1x (blue faster, orange slower: safe for colour-blind readers)."""
    best = best_speedups(rows)
    cells: list[dict[str, Any]] = []
    for scenario in sorted({r.scenario for r in rows}):
        for database in databases:
            ran = [r for r in rows if r.scenario == scenario and r.database == database]
            if not ran:
                continue
            row = best.get((scenario, database))
            figure = None
            if row is not None and row.speedup and not row.wrong_by_design:
                figure = math.log10(row.speedup)
            label = "INVALID" if row is None else numbers.ratio(row.speedup or 0)
            if row is not None and row.wrong_by_design:
                label = "wrong by design"
            cells.append({
                "name": scenario, "database": database, "log_speedup": figure, "label": label,
                "best": headline(row) if row is not None else "INVALID: see the scenario",
                "variant": row.variant if row is not None else "-", "href": f"#s-{scenario}",
            })  # fmt: skip
    figures = [float(c["log_speedup"]) for c in cells if c["log_speedup"] is not None]
    limit = max([abs(f) for f in figures] or [1.0])
    base = alt.Chart(alt.Data(name=web.DATA)).transform_filter(FILTER_TEST)
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField("log_speedup", order="descending"))
    x = alt.X("database:N", title=None, sort=databases, axis=alt.Axis(orient="top", labelAngle=0))
    colour = alt.condition(
        "isValid(datum.log_speedup)",
        alt.Color(
            "log_speedup:Q",
            scale=alt.Scale(scheme="blueorange", reverse=True, domain=[-limit, limit]),  # fmt: skip
            legend=alt.Legend(title="speedup", labelExpr=RATIO_LABEL),
        ),
        alt.value(INVALID_COLOR),
    )
    tooltip = ["name:N", "database:N", "variant:N", "best:N"]
    # invalid=None keeps a cell without a figure (INVALID, wrong by design): drawn grey
    rect = base.mark_rect(invalid=None).encode(
        x=x, y=y, color=colour, href="href:N", tooltip=tooltip
    )
    ink = alt.condition(f"abs(datum.log_speedup) > {limit / 2}", alt.value("white"),
                        alt.value("black"))  # fmt: skip
    text = base.mark_text(fontSize=10).encode(x=x, y=y, text="label:N", color=ink, tooltip=tooltip)
    width = 60 * len(databases) if compact else 130 * len(databases)
    chart = (rect + text).properties(width=width, height={"step": 18 if compact else 22})
    title = "Best optimized speedup over naive, at the largest n"
    return web.spec(chart.properties(title=title), cells)
