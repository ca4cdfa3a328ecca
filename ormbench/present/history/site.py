"""The history site: results/history/index.html, its interactive charts and PNGs, offline like
the report.

The front page lists what changed lately, newest first, each with the `nox -s compare` command
that bisects it and a link to its series; below it one chart per scenario and database (every
variant and size over commits), so the page stays small whatever the number of commits. A
README-sized summary PNG shows the newest changes. The site is built in a hidden sibling folder
and swapped in at the end, like the report.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import secrets
import shlex
import shutil
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ormbench import store
from ormbench.analysis.history.detect import Change, Series, SeriesKey
from ormbench.present import progress, web
from ormbench.present.history import chart
from ormbench.present.style import NAIVE_COLOR, OPTIMIZED_COLORS, figure, save, time_axis

SHOWN_CHANGES = 50  # on the front page; every one is printed by the command
SUMMARY_CHANGES = 12
WINDOW = 100  # commits per chart
PARALLEL_FROM = 8  # charts to draw
CHART_MARGINS = {"left": 0.08, "right": 0.99, "top": 0.93, "bottom": 0.13, "hspace": 0.08}


def bisect_command(change: Change) -> str:
    """The comparison that settles a change: its two commits, its database, its benchmark."""
    _, _, scale, database, _, scenario, variant, _ = change.series.key
    family = scenario.split("@")[0]
    words = [change.before[:12], change.at[:12], "--db", database.split("+")[0], "--scale", scale]
    # Every word from a run file is quoted: the command is meant to be pasted into a shell.
    return "nox -s compare -- " + shlex.join([*words, "-k", f"{family} and {variant}"])


def build(all_series: Sequence[Series], changes: Sequence[Change], folder: Path) -> Path:
    """Write the site into `folder` (replacing the one there); return its index."""
    store.reap_staging(folder.parent)  # what a build killed half-way left
    staging = folder.with_name(f".{folder.name}-{os.getpid()}-{secrets.token_hex(4)}")
    staging.mkdir(parents=True)
    try:
        newest = sorted(changes, key=lambda c: _position(c), reverse=True)
        charts = _charts(all_series, changes, staging, folder)
        _summary(newest[:SUMMARY_CHANGES], staging / "summary.png")
        page = _page(all_series, newest, charts, _interactive(all_series, changes))
        (staging / "index.html").write_text(page, encoding="utf-8")
        web.write_bundle(staging)
        store.swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / "index.html"


def _position(change: Change) -> int:
    return [c.id for c in change.series.commits].index(change.at)


def _group(series: Series) -> tuple[str, ...]:
    """One chart per machine, Django, scale, database, server version and scenario."""
    return series.key[:6]


@dataclass(frozen=True)
class Window:
    """Consecutive commits of one group's chart. The newest window (the last WINDOW commits or
    fewer) is drawn in full, each process's spread included; the commits before it form one
    overview (a line per series). The overview changes only when a window fills up, so a new
    run redraws only the newest window of each chart."""

    group: tuple[str, ...]
    first: int  # position of its first commit in the group's commit order
    commits: list[tuple[str, str]]  # (id, time), in order
    members: list[Series]  # the group's series, cut to these commits
    overview: bool

    @property
    def label(self) -> str:
        return f"commits {self.first + 1}-{self.first + len(self.commits)}"


def _windows(group: tuple[str, ...], members: list[Series]) -> list[Window]:
    position: dict[str, int] = {}
    times: dict[str, str] = {}
    for member in members:  # each series lists its commits in branch order
        for i, c in enumerate(member.commits):
            position[c.id] = min(position.get(c.id, i), i)
            times[c.id] = c.time
    commits = sorted(times.items(), key=lambda item: position[item[0]])
    newest = (len(commits) - 1) // WINDOW * WINDOW
    windows = []
    for first, stop in ((0, newest), (newest, len(commits))):
        if stop > first:
            ids = {commit for commit, _ in commits[first:stop]}
            cut = [
                Series(m.key, [c for c in m.commits if c.id in ids], m.in_machine_units)
                for m in members
            ]
            windows.append(Window(group, first, commits[first:stop], cut, first < newest))
    return windows


def _chart_name(window: Window, flagged: set[tuple[SeriesKey, str]]) -> str:
    """Named by what it shows: a chart whose data did not change keeps its name."""
    content = (window.group, window.first, window.overview, window.members, sorted(flagged))
    digest = hashlib.sha256(repr(content).encode()).hexdigest()[:12]
    group = window.group
    return f"{group[5].replace('@', '-')}-{group[3].replace('+', '-')}-{digest}.png"


def _charts(
    all_series: Sequence[Series], changes: Sequence[Change], folder: Path, previous: Path
) -> dict[tuple[str, ...], list[tuple[str, str]]]:
    """Draw each window of each chart, oldest first, or take it from the previous site where
    its data did not change; returns (label, file) per window, per group."""
    groups: dict[tuple[str, ...], list[Series]] = defaultdict(list)
    for series in all_series:
        groups[_group(series)].append(series)
    flagged = {(c.series.key, c.at) for c in changes}
    names: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    to_draw: list[tuple[Window, set[tuple[SeriesKey, str]], Path]] = []
    for group, members in sorted(groups.items()):
        names[group] = []
        for window in _windows(group, members):
            ids = {commit for commit, _ in window.commits}
            mine = {f for f in flagged if f[0][:6] == group and f[1] in ids}
            name = _chart_name(window, mine)
            names[group].append((window.label, name))
            if (previous / name).is_file():
                shutil.copy2(previous / name, folder / name)
            else:
                to_draw.append((window, mine, folder / name))
    drawn = progress.Units("history: charts drawn", len(to_draw))
    if len(to_draw) < PARALLEL_FROM:
        for job in to_draw:
            _draw(*job)
            drawn.step()
    else:  # matplotlib draws on one core: a chart per process, as many as there are cores
        with ProcessPoolExecutor(mp_context=multiprocessing.get_context("fork")) as pool:
            for _ in pool.map(_draw, *zip(*to_draw, strict=True), chunksize=4):
                drawn.step()
    return names


def _draw(window: Window, flagged: set[tuple[SeriesKey, str]], path: Path) -> None:
    group, members, commits = window.group, window.members, window.commits
    x_of = {commit: window.first + i for i, (commit, _) in enumerate(commits)}
    fig = figure(9, 4.6, CHART_MARGINS)
    ax, counts = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    variants = list(dict.fromkeys(series.key[6] for series in members))
    for series in members:
        color = OPTIMIZED_COLORS[variants.index(series.key[6]) % len(OPTIMIZED_COLORS)]
        color = NAIVE_COLOR if variants.index(series.key[6]) == 0 else color
        points = [(x_of[c.id], c) for c in series.commits if c.timed]  # seconds, as timed
        xs = [x for x, _ in points]
        middles = [math.exp(sum(map(math.log, c.timed)) / len(c.timed)) for _, c in points]
        label = f"{series.key[6]} n={series.key[7]}"
        if window.overview:
            ax.plot(xs, middles, "-", color=color, linewidth=0.8, label=label)
        else:
            ax.plot(xs, middles, "o-", color=color, markersize=3, linewidth=1, label=label)
            # the spread of the processes: one collection per series, not a line per commit
            ax.vlines(xs, [min(c.timed) for _, c in points],
                      [max(c.timed) for _, c in points], color=color, linewidth=0.6)  # fmt: skip
        queried = [(x_of[c.id], c.queries) for c in series.commits if c.queries is not None]
        counts.step([x for x, _ in queried], [q for _, q in queried], where="post", color=color)
        for commit in (c for c in series.commits if (series.key, c.id) in flagged):
            for axes in (ax, counts):
                axes.axvline(x_of[commit.id] - 0.5, color=color, linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    time_axis(ax.yaxis)
    ax.set_ylabel("time per call, as timed", fontsize=7)
    most = max((c.queries or 0 for m in members for c in m.commits), default=0)
    if most > 50:  # an N+1 loop's thousand queries beside a join's one
        counts.set_yscale("symlog")
        counts.set_ylim(bottom=0)
    else:
        from matplotlib.ticker import MaxNLocator

        counts.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    counts.set_ylabel("queries", fontsize=7)
    step = max(1, len(commits) // 12)
    ticks = list(range(0, len(commits), step))
    labels = [f"{commits[t][0][:7]}\n{commits[t][1][:10]}" for t in ticks]
    counts.set_xticks([window.first + t for t in ticks], labels, fontsize=7)
    ax.set_title(
        f"{group[5]} on {group[3]} ({group[0]}, Django {group[1]}, scale {group[2]}), "
        f"{window.label}",
        fontsize=9,
    )
    ax.legend(loc="upper left", fontsize=6, ncol=2)
    save(fig, path)


def _summary(newest: Sequence[Change], path: Path) -> None:
    timed = [c for c in newest if c.metric == "time"]
    fig = figure(8, 0.35 * max(len(timed), 1) + 1.2)
    ax = fig.add_subplot()
    for i, change in enumerate(timed):
        color = NAIVE_COLOR if change.verdict == "slower" else OPTIMIZED_COLORS[1]
        ax.plot([change.ci_low, change.ci_high], [i, i], color=color, linewidth=1.5)
        ax.plot([change.ratio], [i], "o", color=color)
    labels = [f"{c.series.name} @ {c.at[:7]} ({c.series.key[0]})" for c in timed]
    ax.set_yticks(range(len(timed)), labels, fontsize=7)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    for axis_format in (ax.xaxis.set_major_formatter, ax.xaxis.set_minor_formatter):
        axis_format(FuncFormatter(lambda value, _: f"{value:g}x"))
    ax.invert_yaxis()
    ax.set_xlabel("new / old (log scale; right of 1: slower), 95% interval")
    ax.set_title("Newest timing changes" if timed else "No timing change found")
    save(fig, path)


def _interactive(
    all_series: Sequence[Series], changes: Sequence[Change]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The newest window of each group as an interactive chart (`chart.spec`)."""
    groups: dict[tuple[str, ...], list[Series]] = defaultdict(list)
    for series in all_series:
        groups[_group(series)].append(series)
    flagged = {(c.series.key, c.at) for c in changes}
    specs = {}
    for group, members in groups.items():
        window = _windows(group, members)[-1]
        title = f"{group[5]} on {group[3]} ({group[0]}, Django {group[1]}, scale {group[2]})"
        specs[group] = chart.spec(title, window.members, window.commits, window.first, flagged)
    return specs


def _page(
    all_series: Sequence[Series],
    newest: Sequence[Change],
    charts: dict[tuple[str, ...], list[tuple[str, str]]],
    specs: dict[tuple[str, ...], dict[str, Any]],
) -> str:
    items = "".join(
        f"<li data-name='{escape(c.series.name)}' data-database='{escape(c.series.key[3])}' "
        f"data-verdict='{escape(c.verdict)}'><b>{escape(c.verdict)}</b> {escape(c.line())} "
        f"<a href='#{_anchor(_group(c.series))}'>series</a>"
        + (f"<br><code>{escape(bisect_command(c))}</code>" if c.metric == "time" else "")
        + "</li>"
        for c in newest[:SHOWN_CHANGES]
    )
    embedded: dict[str, Any] = {}
    sections = []
    for group, windows in sorted(charts.items()):
        names = " ".join(sorted({s.name for s in all_series if _group(s) == group}))
        figure, spec = web.chart(
            f"c-{_anchor(group)}",
            specs[group],
            f"{group[5]} on {group[3]}: {windows[-1][0]}; hover a commit for its figures",
        )
        embedded |= spec
        earlier = ", ".join(
            f"<a href='{escape(name)}'>{escape(label)}</a>" for label, name in windows
        )
        sections.append(
            f"<section data-name='{escape(names)}' data-database='{escape(group[3])}'>"
            f"<h3 id='{_anchor(group)}'>{escape(group[5])} on {escape(group[3])}</h3>{figure}"
            f"<p class='muted'>PNG: {earlier}</p></section>"
        )
    commits = {c.id for s in all_series for c in s.commits}
    databases = sorted({s.key[3] for s in all_series})
    body = (
        f"<h1>History</h1><p class='muted'>{len(all_series)} series over {len(commits)} "
        "commits. Timing changes: change points (ruptures' PELT) confirmed by the comparison's "
        "statistics over the processes around them; query counts and round trips: any change, "
        f"exactly. Each chart shows the newest commits (up to {WINDOW}); PNGs of them and of "
        "the earlier ones are linked below it.</p>"
        + web.filters(databases, ["slower", "faster", "changed"], "scenario or variant")
        + f"<h2>What changed lately</h2><ul>{items or '<li>nothing</li>'}</ul>"
        "<img src='summary.png' alt='newest timing changes'>"
        f"<h2>Series</h2>{''.join(sections)}"
    )
    return web.page("django-ormbench history", body, embedded)


def _anchor(group: tuple[str, ...]) -> str:
    return "g" + hashlib.sha256(repr(group).encode()).hexdigest()[:12]
