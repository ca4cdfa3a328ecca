"""The report's headline speedup: an interval, a rule that does not reward noise, correctness
where the naive variant is wrong by design."""

from __future__ import annotations

from typing import Any

from ormbench.present import summary
from ormbench.present.rows import best_speedups, headline, rows
from tests import factory


def _bench(variant: str, role: str, median: float, q1: float, q3: float, **info: Any) -> dict:
    quartiles = {"median": median, "q1": q1, "q3": q3, "iqr": q3 - q1, "rounds": 20}
    return factory.benchmark(variant, role=role, stats=quartiles, **info)


def test_the_best_variant_is_chosen_by_the_low_end_of_its_range_not_its_median() -> None:
    doc = factory.run(
        [
            _bench("loop", "naive", 10.0, 9.5, 10.5),
            # a lucky median, but its rounds range from 0.5 to 4
            _bench("noisy", "optimized", 0.8, 0.5, 4.0),
            _bench("steady", "optimized", 1.0, 0.98, 1.02),
        ]
    )
    best = best_speedups(rows(doc))[("s", "sqlite")]
    assert best is not None and best.variant == "steady"
    assert headline(best) == "10x (9.31x-10.7x)"
    assert "s/steady 10x (9.31x-10.7x) at n=100" in summary.render(doc)


def test_a_naive_variant_wrong_by_design_shows_what_it_got_wrong() -> None:
    doc = factory.run(
        [
            _bench("python_increment", "naive", 5.0, 4.9, 5.1, recorded={"lost_updates": 37}),
            _bench("f_update", "optimized", 1.0, 0.99, 1.01, recorded={"lost_updates": 0}),
        ],
        scenarios={"s": {"reference": "f_update"}},
    )
    best = best_speedups(rows(doc))[("s", "sqlite")]
    assert best is not None and best.wrong_by_design
    assert headline(best) == "naive: lost updates 37"
    rendered = summary.render(doc)
    assert "naive: lost updates 37" in rendered and "f_update 5" not in rendered


def test_the_run_says_how_steady_the_machine_was() -> None:
    speeds = [0.0002] * 9 + [0.0003] * 11  # 10th percentile 0.2 ms, 90th 0.3 ms
    benchmarks = [
        _bench(f"v{i}", "optimized", 1.0, 0.9, 1.1, speed_reference_seconds=t)
        for i, t in enumerate(speeds)
    ]
    line = summary.machine_steadiness(factory.run(benchmarks))
    assert "200 µs to 300 µs" in line and "up to 50%" in line
    assert summary.machine_steadiness(factory.run(benchmarks[:5])) == ""


def test_speedups_of_a_scenario_whose_naive_variant_is_wrong_are_against_its_reference() -> None:
    """counter_race: python_increment loses updates, f_update is the reference. A correct
    variant is never credited with a speedup against the wrong one; select_for_update is
    compared with f_update, as its docstring discusses, and loses."""
    doc = factory.run(
        [
            _bench("python_increment", "naive", 5.0, 4.9, 5.1, recorded={"lost_updates": 37}),
            _bench("f_update", "optimized", 1.0, 0.99, 1.01, recorded={"lost_updates": 0}),
            _bench(
                "select_for_update", "optimized", 1.6, 1.58, 1.62, recorded={"lost_updates": 0}
            ),  # fmt: skip
        ],
        scenarios={"s": {"reference": "f_update"}},
    )
    found = {r.variant: r for r in rows(doc)}
    assert found["python_increment"].speedup is None and found["python_increment"].wrong_by_design
    assert found["f_update"].baseline and found["f_update"].speedup == 1.0
    assert abs((found["select_for_update"].speedup or 0) - 1.0 / 1.6) < 1e-9
    best = best_speedups(rows(doc))[("s", "sqlite")]
    assert best is not None and best.variant == "select_for_update"
    rendered = summary.render(doc)
    assert "loses: s/select_for_update 0.625x" in rendered
    assert "biggest wins" not in rendered and " 5x" not in rendered


def test_a_race_figure_over_several_calls_reads_as_its_median_and_range() -> None:
    lost = [24, 18, 31, 26, 20]
    doc = factory.run(
        [
            _bench(
                "python_increment",
                "naive",
                5.0,
                4.9,
                5.1,
                recorded={"lost_updates": 24},
                recorded_samples=[{"lost_updates": k} for k in lost],
            ),  # fmt: skip
            _bench(
                "f_update",
                "optimized",
                1.0,
                0.99,
                1.01,
                recorded={"lost_updates": 0},
                recorded_samples=[{"lost_updates": 0}] * 5,
            ),  # fmt: skip
        ],
        scenarios={"s": {"reference": "f_update"}},
    )
    found = {r.variant: r for r in rows(doc)}
    assert found["python_increment"].recorded_shown == "lost updates 24 (18-31 in 5 calls)"
    assert found["f_update"].recorded_shown == "lost updates 0"  # the same in every call


def test_a_variant_that_loses_an_update_in_one_call_of_five_is_invalid() -> None:
    from ormbench.worker.check import unsteady
    from ormbench.worker.measure import RECORD_SAMPLES

    steady = [{"lost_updates": 0}] * RECORD_SAMPLES
    assert unsteady(steady, {"lost_updates": 0}) == []
    once = [*steady[:3], {"lost_updates": 1}, steady[4]]
    (problem,) = unsteady(once, {"lost_updates": 0})
    assert problem.startswith(
        f"recorded figures of call 4 of {RECORD_SAMPLES}: {{'lost_updates': 1}}"
    )


def test_a_loss_is_named_only_beyond_the_noise_of_both_ranges() -> None:
    """annotate_position sends the same SQL in both variants; by the medians alone its optimized
    variant was listed as a loss at 0.86x, though the two ranges overlap."""
    doc = factory.run(
        [
            _bench("annotate_then_filter", "naive", 1.0, 0.8, 1.2),
            _bench("filter_then_annotate", "optimized", 1.16, 0.9, 1.3),  # 0.86x, ranges overlap
            _bench("slower_everywhere", "optimized", 2.0, 1.9, 2.1),  # 0.5x, 0.63x at best
        ]
    )
    rendered = summary.render(doc)
    assert "loses: s/slower_everywhere 0.5x" in rendered
    assert "filter_then_annotate" not in rendered


def test_a_speedup_of_cpu_bound_variants_is_in_units_of_the_machines_speed() -> None:
    """The naive variant's rounds ran while the VM was twice as slow (its speed reference took
    0.2 ms against 0.1 ms): 4 ms against 1 ms is a 2x speedup, not 4x. A pair mostly waiting
    on a server keeps its measured ratio: the reference times Python, not the server."""

    def pair(cpu_share: float) -> list[dict]:
        return [
            _bench(
                "loop", "naive", 4.0, 3.9, 4.1, cpu_share=cpu_share, speed_reference_seconds=0.0002
            ),
            _bench(
                "bulk",
                "optimized",
                1.0,
                0.99,
                1.01,
                cpu_share=cpu_share,
                speed_reference_seconds=0.0001,
            ),
        ]

    found = {r.variant: r for r in rows(factory.run(pair(0.95)))}
    assert found["bulk"].speedup == 2.0
    assert (
        found["bulk"].speedup_low == 3.9 / 2 / 1.01 and found["bulk"].speedup_high == 4.1 / 2 / 0.99
    )
    assert found["loop"].speedup == 1.0
    waiting = {r.variant: r for r in rows(factory.run(pair(0.3)))}
    assert waiting["bulk"].speedup == 4.0
