"""Run-to-run spread: the figure `nox -s perf -- --spread` prints, from stored runs."""

from __future__ import annotations

import pytest

from ormbench.analysis.spread import spread
from ormbench.results import Run
from tests import factory


def _run(medians: dict[str, float], invalid: tuple[str, ...] = ()) -> Run:
    return factory.run(
        [
            factory.benchmark(name, rounds=[m], valid=name not in invalid)
            for name, m in medians.items()
        ]
    )


def test_spread_is_largest_over_smallest_median_per_benchmark_then_its_median() -> None:
    runs = [
        _run({"a": 0.010, "b": 0.002, "c": 0.004, "tiny": 0.0001}),
        _run({"a": 0.011, "b": 0.003, "c": 0.004, "tiny": 0.0009}),
        _run({"a": 0.010, "b": 0.002, "c": 0.005, "tiny": 0.0001}),
    ]
    found = spread(runs)
    assert found is not None
    # a: 10%, b: 50%, c: 25%; "tiny" is under 1 ms and left out
    assert found.benchmarks == 3
    assert found.median == pytest.approx(0.25)
    assert found.worst == pytest.approx(0.5) and found.worst_benchmark.endswith("-b-n100]")


def test_no_spread_from_one_run_or_from_benchmarks_invalid_somewhere() -> None:
    assert spread([_run({"a": 0.01})]) is None
    assert spread([_run({"a": 0.01}), _run({"a": 0.02}, invalid=("a",))]) is None


def test_in_machine_units_only_where_the_cpu_carried_the_call() -> None:
    def run(timed: float, normalized: float) -> Run:
        return factory.run(
            [
                factory.benchmark(
                    "cpu", rounds=[timed], cpu_share=0.9, speed_normalized_median=normalized
                ),
                factory.benchmark("io", rounds=[timed], cpu_share=0.2, speed_normalized_median=5),
            ]
        )

    # the machine was 50% slower in the second run: as timed the spread is 50%, per unit of
    # its speed none; a call waiting on I/O has no figure in machine units
    runs = [run(0.010, 20.0), run(0.015, 20.0)]
    timed = spread(runs)
    assert timed is not None and timed.benchmarks == 2 and timed.median == pytest.approx(0.5)
    steady = spread(runs, in_machine_units=True)
    assert steady is not None and steady.benchmarks == 1 and steady.median == pytest.approx(0)
