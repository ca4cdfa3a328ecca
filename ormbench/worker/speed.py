"""How fast this machine runs Python right now: a fixed workload timed before every round.

On this machine (a 2-core VM) the whole CPU slows down by 1.7-1.8x for seconds to minutes at a
time, a pure-Python loop as much as a Django query: the median of the same benchmark moved from
2.4 to 5.6 ms between processes of the same code. A comparison's samples are processes, and a
slow phase that covers one process's rounds of a benchmark moves its median wholesale. So this
fixed workload is timed just before every round (outside the round's timing), and a process's
figure in a comparison is the median of round time over that speed (`normalized_median`): a
phase that slows both cancels out. Over six processes of the SQLite catalogue the robust spread
between processes was 9.3% as timed, 10.5% divided by the workload timed around all rounds,
6.2% round by round (at the median benchmark). The workload never changes with the code under
test: plain Python, function calls, dicts and lists, as ORM code spends its time.
"""

from __future__ import annotations

import statistics
import time

REPEATS = 3  # the median of three resists one interruption


def normalized_median(round_seconds: list[float], speeds: list[float]) -> float | None:
    """The median of each round's time over the machine's speed just before it."""
    if not round_seconds or len(round_seconds) != len(speeds) or not all(speeds):
        return None
    return statistics.median(t / s for t, s in zip(round_seconds, speeds, strict=True))


def _workload() -> int:
    rows: list[dict[str, int | str]] = [
        {"id": i, "name": f"n{i}", "value": i * 7 % 13} for i in range(100)
    ]
    total = 0
    for row in rows:
        total += len(str(row["name"])) + int(row["value"])
    return total + len(sorted(rows, key=lambda r: (int(r["value"]), int(r["id"]))))


def reference_seconds(repeats: int = REPEATS) -> float:
    """The median time of the fixed workload (about 0.1 ms here)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _workload()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
