"""The run's own profile: phases that add up without counting a second twice, the timed rounds'
measured time out of the phase that ran them, and the summary's lines per database."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ormbench.present import summary
from ormbench.results import Run
from ormbench.worker.probes import profile
from tests.conftest import FIXTURE_RUN


class Clock:
    """A perf_counter that moves only when told: the phases' sums are then exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(profile.time, "perf_counter", ticking)
    return ticking


def test_an_inner_phase_is_taken_out_of_the_outer_one(clock: Clock) -> None:
    spent = profile.Profile()
    with spent.phase("check"):
        clock.now += 2
        with spent.phase("effects"):
            clock.now += 3
        clock.now += 1
    with spent.phase("effects"):
        clock.now += 4
    clock.now += 5  # outside every phase: the rest
    assert spent.seconds == {"check": 3, "effects": 7}
    assert spent.total() == {"check": 3, "effects": 7, profile.REST: 5}
    assert sum(spent.total().values()) == clock.now - 100.0


def test_a_phase_as_a_decorator_times_each_call_and_a_raise_still_counts(clock: Clock) -> None:
    spent = profile.Profile()

    @spent.phase("call")
    def call(seconds: float) -> None:
        clock.now += seconds
        if seconds > 5:
            raise ValueError

    call(1)
    with pytest.raises(ValueError):
        call(6)
    assert spent.seconds == {"call": 7}


def test_the_timed_rounds_own_time_moves_out_of_the_phase_that_ran_them(clock: Clock) -> None:
    spent = profile.Profile()
    with spent.phase(profile.ROUNDS):
        clock.now += 10
    spent.move(profile.ROUNDS, profile.TIMED, 8)
    assert spent.seconds == {profile.ROUNDS: 2, profile.TIMED: 8}


def _run(profiles: dict[str, dict[str, float]]) -> Run:
    doc: dict[str, Any] = json.loads(FIXTURE_RUN.read_text())
    for name, info in doc["ormbench"]["databases"].items():
        info.pop("profile_seconds", None)
        if name in profiles:
            info["profile_seconds"] = profiles[name]
    doc["ormbench"]["wall_seconds"] = 130.0
    return Run.read(doc)


def test_the_summary_ranks_each_databases_phases_and_sums_the_small_ones() -> None:
    spent = {profile.TIMED: 60.0, profile.CHECK: 30.0, profile.RESTORES: 9.8, profile.SPEED: 0.2}
    lines = summary.where_the_time_went(_run({"postgresql": spent}))
    assert lines[0] == "where the time went (the run took 130 s):"
    [line] = lines[1:]  # the databases without a profile (older workers) are left out
    assert line.startswith("  postgresql: server start ")
    assert line.endswith(
        "worker 100 s: timed work 60 s (60%), checked call 30 s (30%), restores 9.8 s (10%), "
        "others 200 ms (0%)"
    )


def test_a_run_without_profiles_prints_no_such_lines() -> None:
    assert summary.where_the_time_went(_run({})) == []
    assert "where the time went" not in summary.render(_run({}))
