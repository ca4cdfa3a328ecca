"""Steps in instruction counts along the commits (`--measure instructions`).

A count series is one benchmark on one *instructions machine*: the architecture, Python build,
valgrind version and CPU features the counts depend on (`ormbench.parent.callgrind.identity`), never
the host name. Hosted CI runners get a new host name every job; their counts still form one series.

Counts need no change-point search: a commit's count is the least of its counted calls, and the
noise is measured, as `ormbench.analysis.compare_counts` measures it, by the spread of those calls:
the series' typical spread, and at least the typical spread of all count series of its database. A
step at commit i is a change of more than MARGIN floors from commit i-1 that the next commit keeps
(one odd commit, its layout in memory, is not a step; a step at the newest commit waits for the
next, as timing steps do).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence

from ormbench.analysis.compare_counts import MARGIN, spread
from ormbench.analysis.history.detect import Change, Commit, Series, SeriesKey
from ormbench.analysis.history.index import Point


def count_series(points: Sequence[Point], order: dict[str, int]) -> list[Series]:
    """Valid counted points grouped by instructions machine, commits in `order`; each commit's
    figures are its counted calls (every run of it pooled)."""
    grouped: dict[SeriesKey, dict[str, list[Point]]] = defaultdict(lambda: defaultdict(list))
    for p in points:
        if p.valid and p.commit_id and p.instructions and p.instructions_machine:
            key = (
                p.instructions_machine,
                p.django,
                p.scale,
                p.database,
                p.server,
                p.scenario,
                p.variant,
                p.n,
            )
            grouped[key][p.commit_id].append(p)
    out = []
    for key, by_commit in grouped.items():
        commits = [
            Commit(
                commit_id,
                ps[0].commit_time,
                [float(v) for p in ps for v in (p.instruction_calls or (p.instructions or 0,))],
                ps[-1].queries,
                ps[-1].round_trips,
                [],
            )
            for commit_id, ps in by_commit.items()
        ]
        commits.sort(key=lambda c: (order.get(c.id, math.inf), c.time))
        out.append(Series(key, commits, in_machine_units=False))
    return sorted(out, key=lambda s: s.key)


def count_changes(all_series: Sequence[Series]) -> list[Change]:
    """Every step of the count series beyond their measured floor."""
    own = {s.key: _typical(s) for s in all_series}
    by_database: dict[str, list[float]] = defaultdict(list)
    for s in all_series:
        typical = own[s.key]
        if typical is not None:  # a series counted once has no spread to give
            by_database[s.key[3]].append(typical)
    database_floor = {db: statistics.median(values) for db, values in by_database.items()}
    found = []
    for s in all_series:
        floor = max(own[s.key] or 0.0, database_floor.get(s.key[3], 0.0))
        least = [min(c.figures) for c in s.commits]
        for i in range(1, len(least) - 1):
            step = math.log(least[i] / least[i - 1])
            kept = math.log(least[i + 1] / least[i - 1])
            beyond = math.log1p(MARGIN * floor)
            if abs(step) > beyond and abs(kept) > beyond and step * kept > 0:
                verdict = "slower" if step > 0 else "faster"
                old, new = least[i - 1], least[i]
                found.append(
                    Change(
                        s, s.commits[i - 1].id, s.commits[i].id, "instructions", verdict, old, new
                    )
                )
    return found


def _typical(series: Series) -> float | None:
    """The median spread of the series' commits counted more than once (None when none was:
    a long call is counted once, and its zero spread would lower its database's floor, as
    `ormbench.analysis.compare_counts` leaves such benchmarks out of it too)."""
    spreads = [spread([int(v) for v in c.figures]) for c in series.commits if len(c.figures) > 1]
    return statistics.median(spreads) if spreads else None
