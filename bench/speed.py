"""How fast this machine runs Python right now: a fixed workload timed beside every benchmark.

On this machine (a 2-core VM) the whole CPU slows down by 1.7-1.8x for seconds to minutes at a
time, a pure-Python loop as much as a Django query: the median of the same benchmark moved from
2.4 to 5.6 ms between processes of the same code. A comparison's samples are processes, and a
slow phase that covers one process's rounds of a benchmark moves its median wholesale. So every
benchmark's rounds are bracketed by this fixed workload, timed just before and just after them
in the same process, and `bench.compare` divides each process median by it: a phase that slows
both cancels out. The workload never changes with the code under test (it is plain Python:
function calls, dicts, attribute access and lists, as ORM code spends its time).
"""

from __future__ import annotations

import statistics
import time

REPEATS = 3  # the median of three resists one interruption


def _workload() -> int:
    rows: list[dict[str, int | str]] = [
        {"id": i, "name": f"n{i}", "value": i * 7 % 13} for i in range(300)
    ]
    total = 0
    for row in rows:
        total += len(str(row["name"])) + int(row["value"])
    return total + len(sorted(rows, key=lambda r: (int(r["value"]), int(r["id"]))))


def reference_seconds() -> float:
    """The median time of the fixed workload (about 0.2 ms here)."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        _workload()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
