"""How instruction-count comparisons read (`ormbench.analysis.compare_counts`), beside the time:
terminal, Markdown and HTML rows."""

from __future__ import annotations

from html import escape

from ormbench.analysis.compare import Comparison, Outcome
from ormbench.analysis.compare_counts import MARGIN, CountComparison
from ormbench.present import numbers

MARK = {"slower": "SLOWER", "faster": "faster", "unchanged": ""}
SHOWN_UNCHANGED = 15  # a table lists every change, then this many of the others (time too)


def header(o: Outcome) -> list[str]:
    if not o.counts:
        return []
    floors = sorted(c.floor for c in o.counts)
    typical = floors[len(floors) // 2]
    return [
        "instructions = executed by the client process in one call, counted under valgrind's "
        "callgrind (the least of its counted calls, the median over processes): the Python, "
        "Django and driver side, and SQLite's engine; not a server's CPU nor time spent waiting. "
        "A change needs the least counted call of one side beyond the two least of the other "
        f"and a ratio beyond {MARGIN:g} noise floors, each floor measured in this comparison "
        "(the gap between a side's two least calls, which its count reads; at least the "
        f"database's typical spread of calls: median {numbers.percent(typical)}). "
        "These verdicts gate; time is context. cycles = estimated cycles (L1 + 5 LL + 35 RAM "
        "of the cache simulation)."
    ]


def _time_ratio(times: dict[str, Comparison], c: CountComparison) -> str:
    timed = times.get(c.key)
    return f"{timed.ratio:.3f}" if timed else "-"


def _cycles(c: CountComparison) -> str:
    ratio = c.cycles_ratio
    return "-" if ratio is None else f"{ratio:.4f}"


def shown(o: Outcome) -> list[CountComparison]:
    changed = [c for c in o.counts if c.verdict != "unchanged"]
    return changed + [c for c in o.counts if c.verdict == "unchanged"][:SHOWN_UNCHANGED]


def terminal(o: Outcome) -> list[str]:
    if not o.counts:
        return []
    times = {c.key: c for c in o.comparisons}
    lines = [
        "",
        f"{'benchmark':<58} {'A instr':>10} {'B instr':>10} {'ratio':>8} {'res.':>7} "
        f"{'cycles':>8} {'time':>7}  verdict",
    ]
    for c in shown(o):
        lines.append(
            f"{c.key:<58} {numbers.count(c.instructions_a):>10} "
            f"{numbers.count(c.instructions_b):>10} {c.ratio:>8.4f} "
            f"{'±' + numbers.percent(c.resolution):>7} {_cycles(c):>8} "
            f"{_time_ratio(times, c):>7}  {MARK[c.verdict]}"
        )
    hidden = len(o.counts) - len(shown(o))
    if hidden:
        lines.append(f"... and {hidden} more unchanged in instructions")
    tally = {v: sum(c.verdict == v for c in o.counts) for v in MARK}
    lines.append(
        f"{len(o.counts)} benchmarks counted: "
        + ", ".join(f"{n} {v}" for v, n in tally.items() if n)
        + f"; resolution at the median benchmark ±{numbers.percent(_median_resolution(o))}"
    )
    return lines


def _median_resolution(o: Outcome) -> float:
    values = sorted(c.resolution for c in o.counts)
    return values[len(values) // 2]


def markdown(o: Outcome) -> list[str]:
    changed = [c for c in o.counts if c.verdict != "unchanged"]
    if not o.counts:
        return []
    lines = ["", f"**Instructions: {len(changed)} of {len(o.counts)} benchmarks changed**"]
    if changed:
        lines += [
            "",
            "| benchmark | A instr | B instr | ratio | resolution | cycles | verdict |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| `{c.key}` | {numbers.count(c.instructions_a)} | "
            f"{numbers.count(c.instructions_b)} | {c.ratio:.4f} | "
            f"±{numbers.percent(c.resolution)} | {_cycles(c)} | {c.verdict} |"
            for c in changed
        ]
    return lines


def html(o: Outcome) -> str:
    if not o.counts:
        return ""
    rows = "".join(
        f"<tr><td class='l'>{escape(c.key)}</td><td>{numbers.count(c.instructions_a)}</td>"
        f"<td>{numbers.count(c.instructions_b)}</td><td>{c.ratio:.4f}</td>"
        f"<td>±{numbers.percent(c.resolution)}</td><td>{_cycles(c)}</td>"
        f"<td>{c.calls_a}/{c.calls_b}</td><td class='l'>{escape(c.verdict)}</td></tr>"
        for c in o.counts
    )
    notes = "".join(f"<p>{escape(line)}</p>" for line in header(o))
    return (
        f"<h2>Instructions</h2>{notes}<table><caption>instruction counts, B against A</caption>"
        "<tr><th class='l' scope='col'>benchmark</th><th scope='col'>A</th>"
        "<th scope='col'>B</th><th scope='col'>ratio</th><th scope='col'>resolution</th>"
        "<th scope='col'>cycles</th><th scope='col'>calls</th>"
        f"<th class='l' scope='col'>verdict</th></tr>{rows}</table>"
    )
