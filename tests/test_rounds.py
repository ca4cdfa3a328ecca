"""A run's timed rounds end once the median is known (`ormbench.worker.rounds`): driven through
pytest-benchmark's own pedantic loop, on a clock the test sets, so each round's time is exact."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from ormbench.settings import configure
from ormbench.worker import rounds
from ormbench.worker.rounds import LastRound


@pytest.fixture(scope="module", autouse=True)
def django_models() -> None:
    from django.conf import settings

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


class Clock:
    """The timer pytest-benchmark reads before and after each call; a call moves it on."""

    def __init__(self, durations: list[float]) -> None:
        self.now = 0.0
        self.durations = itertools.cycle(durations)
        self.calls = 0

    def __call__(self) -> float:
        return self.now

    def call(self, n: int) -> tuple[tuple[str, int], tuple[str, int]]:
        self.calls += 1
        self.now += next(self.durations)
        return ("n", n), ("call", self.calls)


class Rows:
    """What `LastRound` asks of the effects, noting the call each time: only the last round
    resets the key counters (before it) and counts the rows (after it)."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.reset_before, self.counted_after = clock, [], []

    def reset_sequences(self, tables: Any) -> None:
        self.reset_before.append(self.clock.calls + 1)

    def row_counts(self, tables: Any) -> dict[str, int]:
        self.counted_after.append(self.clock.calls)
        return {}


def timed(
    durations: list[float], most: int, least: int | None, **last_round: Any
) -> tuple[Any, LastRound, Clock]:
    """Run `most` rounds at most (after one warm-up) of calls taking `durations` in turn."""
    clock = Clock(durations)
    benchmark = BenchmarkFixture(
        SimpleNamespace(name="case", nodeid="case"), disable_gc=False,
        timer=SimpleNamespace(target=clock), min_rounds=1, min_time=0, max_time=1,
        precision=None, confidence=None, warmup=False, warmup_iterations=0,
        calibration_precision=10, add_stats=lambda stats: None, logger=None, warner=None,
        disabled=False, cprofile=False, cprofile_loops=None, cprofile_dump=False,
    )  # fmt: skip
    scenario = SimpleNamespace(correct=SimpleNamespace(state=None))
    last = LastRound(scenario, 7, most + 1, Rows(clock), (), rounds.nothing, warmup=1, **last_round)  # type: ignore[arg-type]
    result = last.run(benchmark, clock.call, most, least)
    return result, last, clock


def test_the_half_width_of_the_median_interval_is_read_off_its_order_statistics() -> None:
    assert rounds.median_halfwidth([0.004] * 9) == 0
    # of 100 rounds, the 40th and the 61st smallest bound the median's 95% interval
    assert rounds.median_halfwidth([float(i) for i in range(1, 101)]) == pytest.approx(21 / 101)
    # of five, the smallest and the largest
    assert rounds.median_halfwidth([1.0, 1.0, 2.0, 3.0, 3.0]) == pytest.approx((3 - 1) / (2 * 2))


def test_rounds_whose_median_is_known_stop_after_the_least_and_one_last_round() -> None:
    """Steady calls: after five timed rounds the median is exact; one more round runs as the
    last (counted and read like every run's last round), and the rounds end there."""
    result, last, clock = timed([0.002], most=40, least=5)
    assert len(last.speeds) == 6 and clock.calls == 1 + 6  # the warm-up, five, the last
    assert result == (("n", 7), ("call", 7)), "what the last round returned"
    assert last.effects.reset_before == last.effects.counted_after == [7], "only the last was"


def test_rounds_whose_median_stays_uncertain_run_to_their_count() -> None:
    """Calls alternating between 1 and 3 ms never pin the median within 1%: all 40 rounds run,
    the 40th is the last; and without `least` (a comparison's process, --rounds) all run."""
    for least in (5, None):
        result, last, clock = timed([0.001, 0.003], most=40, least=least)
        assert clock.calls == 1 + 40 and result[1] == ("call", 41) and len(last.speeds) == 40
        assert last.effects.counted_after == [41]  # type: ignore[attr-defined]


def test_precision_reached_late_stops_there() -> None:
    """Ten noisy rounds, then steady ones: the rounds end when the interval has narrowed, not
    before and not at the count."""
    noisy = [0.001, 0.003] * 5
    clock_durations = noisy + [0.002] * 200
    result, last, clock = timed(clock_durations, most=100, least=5)
    times = clock_durations[1 : clock.calls]  # the first duration went to the warm-up
    assert (
        rounds.median_halfwidth(times[:-1])
        <= rounds.PRECISION
        < rounds.median_halfwidth(times[:-2])
    )
    assert 10 < clock.calls - 1 < 100


def test_a_races_outcome_is_read_after_each_of_the_first_calls_up_to_the_samples_wanted() -> None:
    """Correctness samples come from the rounds' own calls, the warm-up's first, each read
    before the next call (here the call number it returned), and no more than are wanted."""
    _, last, clock = timed([0.001, 0.003], most=20, least=None, record=dict, samples=5)
    assert clock.calls == 21 and [r["call"] for r in last.recorded] == [1, 2, 3, 4, 5]
    _, last, _ = timed([0.001, 0.003], most=2, least=None, record=dict, samples=5)
    assert [r["call"] for r in last.recorded] == [1, 2, 3], "three calls: three samples"
