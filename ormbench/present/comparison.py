"""How a comparison of two runs reads: terminal table, Markdown for a PR, a page with an
interactive chart (its PNG export beside it)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ormbench.analysis.compare import Comparison, Outcome
from ormbench.analysis.exact import ExactChange
from ormbench.analysis.stats import ALPHA, UNSTABLE_SPREAD, processes_needed
from ormbench.present import counts as instructions
from ormbench.present import numbers, web

VERDICT_MARK = {
    "slower": "SLOWER",
    "faster": "faster",
    "unstable": "unstable",
    "below resolution": "below resolution",
    "unchanged": "",
}


def _interval(c: Comparison) -> str:
    if math.isnan(c.ci_low):
        return "-"
    return f"[{c.ci_low:.3f}, {c.ci_high:.3f}]"


def _p(c: Comparison) -> str:
    return "-" if math.isnan(c.p_value) else f"{c.p_value:.2g}"


def _resolution(c: Comparison) -> str:
    """The smallest change the benchmark's process noise would have let through."""
    return "-" if math.isinf(c.resolution) else f"±{c.resolution - 1:.0%}"


def _header(o: Outcome) -> list[str]:
    lines = [
        f"A = {o.label_a}",
        f"B = {o.label_b}",
        "ratio = geometric mean of B's process medians / A's (above 1: B is slower); the "
        "samples are processes, not rounds. A change needs the exact Mann-Whitney test on the "
        f"process medians, Holm-adjusted over every benchmark, at p < {ALPHA:g}, and a ratio "
        f"beyond {o.threshold:.0%}. 'below resolution': the processes were too noisy (or too few) "
        "to see a change of that size (resolution: the smallest they would have shown); "
        "'unstable': "
        f"a side's own processes disagree (robust spread above {UNSTABLE_SPREAD:.0%}).",
    ]
    return lines + instructions.header(o) + [f"warning: {w}" for w in o.warnings]


def power(comparisons: list[Comparison]) -> list[str]:
    """Whether the comparison had enough processes to give any verdict at all."""
    if not comparisons:
        return []
    have = min(min(c.processes_a, c.processes_b) for c in comparisons)
    needed = processes_needed(len(comparisons))
    if have >= needed:
        return []
    return [
        f"{have} process(es) a side cannot give any verdict among {len(comparisons)} "
        f"benchmarks at {ALPHA:g}: that takes {needed} a side (--alternations {needed}), "
        "or fewer benchmarks (-k)"
    ]


def resolutions(comparisons: list[Comparison]) -> list[str]:
    """The smallest change the time could have shown, over every benchmark (each row has its
    own): at the median benchmark and the 90th percentile."""
    finite = sorted(c.resolution - 1 for c in comparisons if not math.isinf(c.resolution))
    if not finite:
        return ["time resolution: none (too few processes a side to see any change in time)"]
    median, p90 = finite[len(finite) // 2], finite[min(len(finite) - 1, len(finite) * 9 // 10)]
    return [
        f"time resolution: ±{median:.0%} at the median benchmark, ±{p90:.0%} at the 90th "
        f"percentile ({len(finite)} of {len(comparisons)} benchmarks could show a change)"
    ]


def one_side(o: Outcome) -> list[str]:
    """Benchmarks only one side measured: nothing to compare, but worth knowing."""
    lines = []
    for label, names in ((o.label_a, o.only_a), (o.label_b, o.only_b)):
        if names:
            lines.append(f"Only in {label} ({len(names)}): {', '.join(names)}")
    return lines


def exact(changes: list[ExactChange]) -> list[str]:
    """The exact co-metrics that differ: facts, listed whatever the timing verdicts say."""
    if not changes:
        return ["Exact figures (queries, rows, server work, SQL, plans): no change."]
    lines = [f"Exact figures that changed ({len(changes)}; no statistics needed):"]
    return lines + [f"  {change}" for change in changes]


def _shown(comparisons: list[Comparison]) -> list[Comparison]:
    changed = [c for c in comparisons if c.verdict in ("slower", "faster")]
    rest = [c for c in comparisons if c.verdict not in ("slower", "faster")]
    return changed + rest[: instructions.SHOWN_UNCHANGED]


def counts(comparisons: list[Comparison]) -> str:
    tally = {v: sum(c.verdict == v for c in comparisons) for v in VERDICT_MARK}
    return ", ".join(f"{n} {v}" for v, n in tally.items() if n) or "nothing to compare"


def terminal(o: Outcome) -> str:
    comparisons = o.comparisons
    lines = [
        *_header(o),
        "",
        f"{'benchmark':<58} {'A':>10} {'B':>10} {'ratio':>7} {'95% CI':>17} {'p':>8} "
        f"{'res.':>6}  verdict",
    ]
    for c in _shown(comparisons):
        lines.append(
            f"{c.key:<58} {numbers.seconds(c.median_a):>10} "
            f"{numbers.seconds(c.median_b):>10} {c.ratio:>7.3f} {_interval(c):>17} "
            f"{_p(c):>8} {_resolution(c):>6}  {VERDICT_MARK[c.verdict]}"
        )
    hidden = len(comparisons) - len(_shown(comparisons))
    if hidden:
        lines.append(f"... and {hidden} more without a verdict")
    lines += ["", *exact(o.changes), *one_side(o)]
    lines += ["", f"{len(comparisons)} benchmarks: {counts(comparisons)}", *power(comparisons)]
    lines += resolutions(comparisons)
    if o.counts:  # the gate's own table last, where a reader of a CI log looks first
        lines += ["", "time above is context; instructions decide:", *instructions.terminal(o)]
    return "\n".join(lines)


def markdown(o: Outcome) -> str:
    """A summary fit for a pull-request comment."""
    comparisons = o.comparisons
    changed = [c for c in comparisons if c.verdict in ("slower", "faster")]
    lines = [
        f"### django-ormbench: `{o.label_b}` against `{o.label_a}`",
        "",
        f"**{len(comparisons)} benchmarks: {counts(comparisons)}**",
        *[f"\n{line}" for line in power(comparisons)],
        "",
    ]
    lines += [f"> {line}" for line in _header(o)[2:]]
    if changed:
        lines += [
            "",
            "| benchmark | A | B | ratio | 95% CI | p (Holm) | verdict |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| `{c.key}` | {numbers.seconds(c.median_a)} | {numbers.seconds(c.median_b)}"
            f" | {c.ratio:.3f} | {_interval(c)} | {_p(c)} | {c.verdict} |"
            for c in changed
        ]
    else:
        lines += ["", "No significant change beyond the threshold."]
    lines += instructions.markdown(o)
    shown = exact(o.changes)
    lines += [f"\n{line}" for line in one_side(o)]
    lines += ["", shown[0], *[f"- `{line.strip()}`" for line in shown[1:]]]
    return "\n".join(lines) + "\n"


def spec(comparisons: list[Comparison]) -> dict[str, Any]:
    """Forest plot as a Vega-Lite spec: ratio B/A with its 95% interval per benchmark, log axis,
    changes coloured (and shaped: colour is not the only cue)."""
    import altair as alt  # a second of imports that only this drawing needs

    points = [
        {
            "name": c.key,
            "database": c.database,
            "ratio": c.ratio,
            "low": None if math.isnan(c.ci_low) else c.ci_low,
            "high": None if math.isnan(c.ci_high) else c.ci_high,
            "verdict": c.verdict,
            "A": numbers.seconds(c.median_a),
            "B": numbers.seconds(c.median_b),
            "p": _p(c),
            "resolution": _resolution(c),
            "processes": f"{c.processes_a}/{c.processes_b}",
            "href": f"#{_row_id(c)}",
        }
        for c in comparisons
        if c.ratio > 0 and math.isfinite(c.ratio)
    ]
    verdicts = list(VERDICT_MARK)
    colours = alt.Scale(domain=verdicts, range=[web.NAIVE_COLOR, web.PALETTE[0],
                                                *[web.INVALID_COLOR] * 3])  # fmt: skip
    base = alt.Chart(alt.Data(name=web.DATA)).transform_filter(web.FILTER_TEST)
    y = alt.Y("name:N", sort=None, title=None)
    x = alt.X("ratio:Q", scale=alt.Scale(type="log"),
              title="B / A over processes (log; right of 1: B slower), 95% interval")  # fmt: skip
    tooltip = ["name:N", "ratio:Q", "low:Q", "high:Q", "p:N", "resolution:N", "A:N", "B:N",
               "processes:N", "verdict:N"]  # fmt: skip
    colour = alt.Color("verdict:N", scale=colours)
    chart = alt.layer(
        base.mark_rule().encode(
            y, alt.X("low:Q", scale=alt.Scale(type="log")), alt.X2("high:Q"), colour
        ),  # fmt: skip
        base.mark_point(filled=True, size=40).encode(
            y, x, colour, shape=alt.Shape("verdict:N"), href="href:N", tooltip=tooltip
        ),
        alt.Chart().mark_rule(color="gray").encode(x=alt.datum(1)),
    ).properties(width=560, height={"step": 14}, title="Run B against run A")
    return web.spec(chart, points)


def _row_id(c: Comparison) -> str:
    return f"b-{c.database}-{c.scenario}-{c.variant}-n{c.n}"


def page(o: Outcome) -> str:
    comparisons = o.comparisons
    rows = "".join(
        f"<tr id='{escape(_row_id(c))}' data-database='{escape(c.database)}' "
        f"data-name='{escape(c.key)}' data-verdict='{escape(c.verdict)}'>"
        f"<th scope='row' class='l'><a href='#{escape(_row_id(c))}'>{escape(c.key)}</a></th>"
        f"<td>{numbers.seconds(c.median_a)}</td>"
        f"<td>{numbers.seconds(c.median_b)}</td><td>{c.ratio:.3f}</td>"
        f"<td>{escape(_interval(c))}</td><td>{_p(c)}</td><td>{escape(_resolution(c))}</td>"
        f"<td>{c.processes_a}/{c.processes_b}</td>"
        f"<td class='l'>{escape(c.verdict)}</td></tr>"
        for c in comparisons
    )
    notes = "".join(f"<p>{escape(line)}</p>" for line in [*_header(o), *one_side(o)])
    shown = exact(o.changes)
    facts = f"<h2>{escape(shown[0])}</h2>" + (
        "<ul>"
        + "".join(
            f"<li data-name='{escape(change.name)}' data-database='{escape(change.key[0])}'>"
            f"<code>{escape(str(change))}</code></li>"
            for change in o.changes
        )
        + "</ul>"
        if o.changes
        else ""
    )
    figure, charts = web.chart(
        "c-ratios",
        spec(comparisons),
        "Ratio B/A with its 95% interval per benchmark. Hover a point for its figures; click it "
        "for its row.",
    )
    databases = sorted({c.database for c in comparisons})
    head = "".join(
        f"<th scope='col'{' class=l' if h in ('benchmark', 'verdict') else ''}>{h}</th>"
        for h in (
            "benchmark",
            "A",
            "B",
            "ratio",
            "95% CI",
            "p",
            "resolution",
            "processes",
            "verdict",
        )  # fmt: skip
    )
    body = (
        f"<h1>Comparison</h1>{notes}<p><b>{escape(counts(comparisons))}</b></p>"
        + web.filters(databases, list(VERDICT_MARK), "benchmark")
        + figure
        + f"<table><caption>Every benchmark both runs measured</caption><tr>{head}</tr>{rows}"
        f"</table>{instructions.html(o)}{facts}"
    )
    return web.page("django-ormbench comparison", body, charts)
