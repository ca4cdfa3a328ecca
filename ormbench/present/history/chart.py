"""One scenario's newest commits on one database as an interactive Vega-Lite chart: every
variant and size over commits (the geometric mean of the processes as timed, with their range),
a tooltip per commit, flagged changes marked, and its query counts beneath."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt

from ormbench.analysis.history.detect import Series, SeriesKey
from ormbench.present import numbers, web


def _points(
    members: Sequence[Series], order: dict[str, int], flagged: set[tuple[SeriesKey, str]]
) -> list[dict[str, Any]]:
    points = []
    for series in members:
        for commit in series.commits:
            if not commit.timed:
                continue
            middle = math.exp(sum(map(math.log, commit.timed)) / len(commit.timed))
            points.append({
                "name": series.name, "database": series.key[3],
                "series": f"{series.key[6]} n={series.key[7]}", "position": order[commit.id],
                "commit": commit.id[:10], "date": commit.time[:10], "time": middle,
                "low": min(commit.timed), "high": max(commit.timed),
                "shown": numbers.seconds(middle), "processes": len(commit.timed),
                "queries": commit.queries,
                "change": "changed here" if (series.key, commit.id) in flagged else "",
            })  # fmt: skip
    return points


def spec(
    title: str,
    members: Sequence[Series],
    commits: Sequence[tuple[str, str]],
    first: int,
    flagged: set[tuple[SeriesKey, str]],
) -> dict[str, Any]:
    """`commits` (id, time) in branch order, the first at position `first`."""
    order = {commit: first + i for i, (commit, _) in enumerate(commits)}
    base = alt.Chart(alt.Data(name=web.DATA)).transform_filter(web.FILTER_TEST)
    x = alt.X("position:Q", title="commit (branch order)", scale=alt.Scale(zero=False))
    colour = alt.Color("series:N", scale=alt.Scale(range=web.PALETTE), title=None)
    tooltip = ["name:N", "commit:N", "date:N", "shown:N", "processes:Q", "queries:Q", "change:N"]
    time = alt.Y("time:Q", scale=alt.Scale(type="log"), title="time per call (s), as timed")
    timed = alt.layer(
        base.mark_rule(opacity=0.5).encode(
            x, alt.Y("low:Q", scale=alt.Scale(type="log")), alt.Y2("high:Q"), colour
        ),  # fmt: skip
        base.mark_line(point=True).encode(x, time, colour, tooltip=tooltip),
        base.transform_filter("datum.change != ''")
        .mark_point(shape="triangle-down", size=120, filled=True, color=web.NAIVE_COLOR)
        .encode(x, time, tooltip=tooltip),
    ).properties(width=820, height=240)
    queries = (
        base.mark_line(interpolate="step-after")
        .encode(x, alt.Y("queries:Q", title="queries"), colour, tooltip=tooltip)
        .properties(width=820, height=70)
    )
    chart = alt.vconcat(timed, queries).properties(title=title)
    return web.spec(chart, _points(members, order, flagged))
