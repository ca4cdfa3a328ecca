"""How a comparison of two runs reads: terminal table, Markdown for a PR, HTML with a chart."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from ormbench.analysis.compare import Comparison, Outcome
from ormbench.analysis.exact import ExactChange
from ormbench.analysis.stats import ALPHA, UNSTABLE_SPREAD, processes_needed
from ormbench.present import counts as instructions
from ormbench.present import numbers
from ormbench.present.report.html import CSS
from ormbench.present.style import NAIVE_COLOR, OPTIMIZED_COLORS, figure, save

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


def chart(comparisons: list[Comparison], path: Path) -> None:
    """Forest plot: ratio B/A with its 95% interval per benchmark, log axis, changes coloured."""
    shown = _shown(comparisons)[:60]
    fig = figure(9, 0.22 * len(shown) + 1.4)
    ax = fig.add_subplot()
    for i, c in enumerate(shown):
        color = (
            NAIVE_COLOR
            if c.verdict == "slower"
            else OPTIMIZED_COLORS[1]
            if c.verdict == "faster"
            else "#777777"
        )
        if not math.isnan(c.ci_low):
            ax.plot([c.ci_low, c.ci_high], [i, i], color=color, linewidth=1.5)
        ax.plot([c.ratio], [i], "o", color=color, markersize=4)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(shown)), [c.key for c in shown], fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("B / A over processes (log scale; right of 1: B slower), 95% interval")
    ax.set_title("Run B against run A")
    save(fig, path)


def page(o: Outcome, chart_name: str) -> str:
    comparisons = o.comparisons
    rows = "".join(
        f"<tr><td class='l'>{escape(c.key)}</td><td>{numbers.seconds(c.median_a)}</td>"
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
        + "".join(f"<li><code>{escape(line.strip())}</code></li>" for line in shown[1:])
        + "</ul>"
        if shown[1:]
        else ""
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>django-ormbench comparison</title><style>{CSS}</style></head><body>"
        f"<h1>Comparison</h1>{notes}<p><b>{escape(counts(comparisons))}</b></p>"
        f"<img src='{escape(chart_name)}' alt='ratio B/A with 95% intervals'>"
        "<table><tr><th class='l'>benchmark</th><th>A</th><th>B</th><th>ratio</th>"
        "<th>95% CI</th><th>p</th><th>resolution</th><th>processes</th>"
        "<th class='l'>verdict</th></tr>"
        f"{rows}</table>{instructions.html(o)}{facts}</body></html>"
    )
