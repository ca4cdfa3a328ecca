"""`ormbench perf --history COMMITSxBENCHMARKS`: how the history copes with a long series.

Generated runs (one per commit, every benchmark with five process figures and a planted step in
one of them) are written as run files, imported into a fresh index, searched for changes and
drawn; then one more run is added, as a CI job would, and the same is timed again: only that run
is imported, and only the charts whose data changed are drawn. Prints the seconds and the sizes.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from ormbench import store
from ormbench.analysis.history import detect, index
from ormbench.present import numbers
from ormbench.present.history import site
from ormbench.results import SCHEMA_VERSION, Run

SCENARIOS = 35  # benchmarks are spread over this many scenarios of 4 variants x 5 sizes


def measure(commits: int, benchmarks: int) -> int:
    with tempfile.TemporaryDirectory(prefix="ormbench_history_") as scratch:
        results = Path(scratch)
        rng = random.Random(7)
        started = time.perf_counter()
        for commit in range(commits):
            store.save_run(_run(commit, benchmarks, rng), results)
        print(f"generated {commits} runs of {benchmarks} benchmarks in {_since(started)}")
        _cycle(results, "first build")
        store.save_run(_run(commits, benchmarks, rng), results)
        _cycle(results, "one more run")
        pages = results / "history"
        pngs = list(pages.glob("*.png"))
        print(
            f"site: index.html {numbers.size((pages / 'index.html').stat().st_size)}, "
            f"{len(pngs)} PNGs, {numbers.size(sum(p.stat().st_size for p in pngs))} in all "
            f"(largest {numbers.size(max(p.stat().st_size for p in pngs))}); index "
            f"{numbers.size((results / 'history.sqlite3').stat().st_size)}"
        )
    return 0


def _cycle(results: Path, label: str) -> None:
    started = time.perf_counter()
    history = index.open_index(None, results)
    known = history.known()
    added = 0
    for path in sorted(store.runs_dir(results).glob("*.json")):
        key = index.run_id(path)
        if key not in known:
            added += history.add(store.load_run(path), key, str(path))
    imported = time.perf_counter()
    points = history.points()
    history.close()
    order = {p.commit_id: int(p.commit_id, 16) for p in points}
    all_series = detect.series_of(points, order)
    found = detect.changes(all_series)
    detected = time.perf_counter()
    site.build(all_series, found, results / "history")
    print(
        f"{label}: import {added} runs {_since(started, imported)}, read {len(points)} figures "
        f"and find {len(found)} changes in {len(all_series)} series "
        f"{_since(imported, detected)}, site {_since(detected)}"
    )


def _since(start: float, end: float | None = None) -> str:
    return numbers.seconds((end if end is not None else time.perf_counter()) - start)


def _run(commit: int, benchmarks: int, rng: random.Random) -> Run:
    entries = []
    for i in range(benchmarks):
        scenario, rest = divmod(i, 20)
        variant, n = divmod(rest, 5)
        center = 0.001 * (1 + n) * (1.5 if i == 17 and commit >= 400 else 1.0)
        figures = [center * (1 + rng.gauss(0, 0.05)) for _ in range(5)]
        name = f"s{scenario % SCENARIOS}-v{variant}-n{n}-{i}"
        entries.append(
            {
                "name": name,
                "fullname": name,
                "group": None,
                "params": None,
                "stats": {"median": sorted(figures)[2], "data": figures, "rounds": 5},
                "extra_info": {
                    "scenario": f"scenario{scenario % SCENARIOS}",
                    "variant": f"variant{variant}{scenario // SCENARIOS}",
                    "role": "naive" if variant == 0 else "optimized",
                    "database": "postgresql",
                    "vendor": "postgresql",
                    "scale": "s",
                    "n": 10 ** (n % 4 + 1) + n,
                    "queries": 1,
                    "expected_queries": 1,
                    "valid": True,
                    "process_medians": figures,
                },
            }
        )
    return Run.read(
        {
            "commit_info": {"id": f"{commit:040x}", "time": f"2026-01-01T00:00:{commit}"},
            "machine_info": {"node": "generated"},
            "benchmarks": entries,
            "ormbench": {
                "schema_version": SCHEMA_VERSION,
                "scale": "s",
                "databases": {"postgresql": {"server_version": "PostgreSQL 15"}},
                "environment": {"django": "5.2"},
            },
        }
    )
