"""`ormbench perf`: how the suite itself performs at scale, and what latency costs.

A benchmark of the harness, not a test: it prints figures measured now, on this machine.
  1. dataset generation at the scale, cold (empty cache) and from the cache;
  2. per database, rows/s of our loader against the same bulk path fed ready-made rows,
     and the loading process's peak RSS;
  3. the latency proxy's own overhead at 0 ms against a direct connection, and N+1 against
     select_related on PostgreSQL at 0, 0.5 and 2 ms.
Loading runs in a worker process per database (a "load" `ormbench.protocol.WorkerSpec`), since
Django is configured once per process.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from ormbench.analysis.spread import spread
from ormbench.dataset import cache, scales
from ormbench.errors import BenchError
from ormbench.parent.request import Process, RunRequest
from ormbench.parent.run import execute_processes
from ormbench.present import numbers
from ormbench.protocol import WorkerAnswer, WorkerSpec
from ormbench.servers import DEFAULT_DATABASES, ServerUnavailable, provide

LATENCIES = (None, 0.0, 0.0005, 0.002)


def main(scale: str) -> int:
    size = scales.scale(scale)
    _generation(size)
    for name in DEFAULT_DATABASES:
        _loading(name, size)
    _latency()
    return 0


def spread_of_runs(request: RunRequest, runs: int) -> int:
    """The same code timed `runs` times against one server per database (as compare does), then the
    spread of each benchmark's medians (`ormbench.analysis.spread`): as timed, and in units of the
    machine's speed where the client's CPU carried the call."""
    measured = execute_processes(request, [Process(f"run {i + 1}") for i in range(runs)])
    found = spread(measured)
    if found is None:
        raise BenchError("no benchmark of 1 ms or more was valid in every run")
    print(
        f"run-to-run spread of the medians over {found.runs} runs ({found.benchmarks} valid "
        f"benchmarks of 1 ms or more; largest median / smallest - 1): median benchmark "
        f"{found.median:.1%}, 90th percentile {found.p90:.1%}, worst {found.worst:.1%} "
        f"({found.worst_benchmark})"
    )
    steady = spread(measured, in_machine_units=True)
    if steady is not None:
        print(
            f"in units of the machine's speed ({steady.benchmarks} of them, whose call the "
            f"client's CPU carried; what compare tests for those): median benchmark "
            f"{steady.median:.1%}, 90th percentile {steady.p90:.1%}, worst {steady.worst:.1%}"
        )
    return 0


def _generation(size: scales.Scale) -> None:
    with tempfile.TemporaryDirectory(prefix="ormbench_perf_cache_") as folder:
        os.environ["ORMBENCH_CACHE"] = folder
        started = time.perf_counter()
        data, _ = cache.generate_cached(size)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        _, hit = cache.generate_cached(size)
        warm = time.perf_counter() - started
        del os.environ["ORMBENCH_CACHE"]
    assert hit, "the second read came from the cache"
    print(
        f"generation at {size.name} ({data.row_count:,} rows): cold {numbers.seconds(cold)}, "
        f"cached {numbers.seconds(warm)}; peak RSS {numbers.size(scales.peak_rss())}",
        flush=True,
    )


def _loading(name: str, size: scales.Scale) -> None:
    try:
        with provide(name) as db, tempfile.TemporaryDirectory(prefix="ormbench_perf_") as out:
            spec = WorkerSpec("load", name, db.django, size.name, out)
            code = spec.start().wait()
            figures = WorkerAnswer.read(spec.answer_path, name).loading
    except ServerUnavailable as exc:
        print(f"{name}: skipped: {exc}")
        return
    if code != 0 or not figures:
        raise BenchError(f"loading on {name} failed: the worker exited with status {code}")
    print(
        f"{name}: load {figures['rows']:,} rows: ours {figures['ours']:,.0f} rows/s, raw bulk "
        f"path {figures['raw']:,.0f} rows/s ({figures['ours'] / figures['raw']:.0%} of raw); "
        f"peak RSS {numbers.size(figures['peak_rss'])}",
        flush=True,
    )


def _latency() -> None:
    from ormbench.declare.scenario import DEFAULT_PACKAGES
    from ormbench.parent.request import RunRequest
    from ormbench.parent.run import execute

    with tempfile.TemporaryDirectory(prefix="ormbench_perf_") as results:
        request = RunRequest(
            ("postgresql",),
            "xs",
            keyword="fk_access and n100",
            latencies=LATENCIES,
            results=Path(results),
            packages=DEFAULT_PACKAGES,
        )
        _, _, run = execute(request, [])
    medians = {(b.figures.database, b.figures.variant): b.median for b in run.benchmarks}
    print("\nfk_access at n=100 on PostgreSQL (median per call):")
    for variant in ("lazy_loop", "select_related"):
        direct, proxied = (
            medians.get(("postgresql", variant)),
            medians.get(("postgresql+0ms", variant)),
        )
        if direct and proxied:
            print(
                f"  proxy overhead at 0 ms, {variant}: {numbers.seconds(direct)} direct, "
                f"{numbers.seconds(proxied)} through the proxy ({numbers.ratio(proxied / direct)})"
            )
    for latency in ("0ms", "0.5ms", "2ms"):
        naive = medians.get((f"postgresql+{latency}", "lazy_loop"))
        joined = medians.get((f"postgresql+{latency}", "select_related"))
        if naive and joined:
            print(
                f"  {latency:>6} round trip: N+1 {numbers.seconds(naive)}, select_related "
                f"{numbers.seconds(joined)} ({numbers.ratio(naive / joined)})"
            )
