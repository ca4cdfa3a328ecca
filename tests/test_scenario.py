"""The declaration API on its own: sizes per scale, modes, query counts per mode (no database)."""

from __future__ import annotations

import concurrent.futures
import itertools
from typing import Any

import pytest

from ormbench.dataset.scales import SCALES
from ormbench.declare.scenario import DEFAULT_PACKAGES, Requires, Scenario, Variant, cases

_names = itertools.count()


def _name(prefix: str) -> str:
    return f"t_{prefix}_{next(_names)}"


def _with_variants(scenario: Scenario) -> Scenario:
    scenario.naive(queries={"request": lambda n: n + 2, "default": lambda n: n})(lambda n: n)

    @scenario.optimized(queries=3)
    def bulk(n: int) -> int:
        return n

    return scenario


def test_a_size_larger_than_the_data_is_an_error_naming_the_scale() -> None:
    with pytest.raises(ValueError, match=r"n=50 at scale xs, where there are 40 authors"):
        Scenario(_name("capped"), n_of="authors", sizes=(5, 50))


def test_sizes_per_scale_are_the_cases_of_that_scale() -> None:
    sizes = {"xs": (10, 400), "s": (100, 4_000), "m": (100, 40_000), "l": (100, 400_000)}
    scenario = _with_variants(Scenario(_name("per_scale"), n_of="reviews", sizes=sizes))
    for scale in SCALES:
        found = {c.n for c in cases({scenario.name: scenario}, scale)}
        assert found == set(sizes[scale])


def test_sizes_must_show_growth_at_every_scale() -> None:
    with pytest.raises(ValueError, match="two or more sizes at s"):
        Scenario(_name("flat"), sizes={"xs": (1, 2), "s": (5,), "m": (1, 2), "l": (1, 2)})


def test_n_that_creates_rows_is_not_bounded_by_the_data() -> None:
    scenario = Scenario(_name("creates"), n_of=None, sizes=(10, 100_000_000))
    assert scenario.sizes_at("xs") == (10, 100_000_000)


def test_each_mode_of_a_writing_scenario_is_its_own_family() -> None:
    both = Scenario(_name("modes"), writes=True, modes=("autocommit", "request"))
    scenario = _with_variants(both)
    found = cases({scenario.name: scenario}, "xs")
    families = {(c.family, c.mode) for c in found}
    assert families == {(scenario.name, "autocommit"), (f"{scenario.name}@request", "request")}
    assert len(found) == 2 * 2 * len(scenario.sizes_at("xs"))


def test_a_reading_scenario_has_no_mode() -> None:
    scenario = _with_variants(Scenario(_name("reads"), modes=("autocommit", "request")))
    assert {c.mode for c in cases({scenario.name: scenario}, "s")} == {None}


def test_query_counts_resolve_by_mode_then_vendor_then_default() -> None:
    scenario = _with_variants(Scenario(_name("counts"), writes=True))
    naive = scenario.naive_variant
    assert naive.expected_queries(10, "postgresql", "request") == 12
    assert naive.expected_queries(10, "postgresql", "autocommit") == 10
    nested = {"request": 1, "default": {"sqlite": 2, "default": 3}}
    variant = Variant(scenario.name, "nested", "optimized", lambda n: n, nested)
    assert variant.expected_queries(1, "sqlite", "autocommit") == 2
    assert variant.expected_queries(1, "mysql", None) == 3
    assert variant.expected_queries(1, "mysql", "request") == 1


def test_unknown_modes_and_scales_are_refused() -> None:
    with pytest.raises(ValueError, match="modes"):
        Scenario(_name("bad_mode"), writes=True, modes=("batch",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="effect_from"):
        Scenario(_name("bad_scale"), effect_from="xl")


def test_dirty_buckets_become_merged_key_ranges_without_the_inserted_rows() -> None:
    from ormbench.worker.probes.effect import BUCKET_ROWS, key_ranges

    assert key_ranges([-1, 0, 1, 3]) == [
        (0, 2 * BUCKET_ROWS - 1),
        (3 * BUCKET_ROWS, 4 * BUCKET_ROWS - 1),
    ]
    assert key_ranges([-1]) == []


def test_a_variant_needing_another_django_is_skipped_with_the_reason() -> None:
    import django

    running = django.get_version()
    scenario = Scenario(_name("django"), applies=Requires(django=">=99"))
    scenario.naive(queries=1)(lambda n: n)

    @scenario.optimized(queries=1, applies=Requires(django="<99"))
    def everywhere(n: int) -> int:
        return n

    naive, optimized = scenario.variants
    assert naive.applies.unmet("sqlite", object(), "xs", False) == (
        f"needs Django >=99 (this run: {running})"
    )
    assert optimized.applies.unmet("sqlite", object(), "xs", False) is None


def test_where_a_case_applies_is_one_declaration_read_by_one_checker() -> None:
    class Features:
        supports_ignore_conflicts = True

    scenario = Requires(vendors=("postgresql", "mysql"), why="SQLite serialises writers")
    variant = Requires(features=("supports_ignore_conflicts", "has_native_uuid_field")).under(
        scenario
    )
    assert variant.unmet("sqlite", Features(), "xs", False) == "SQLite serialises writers"
    assert variant.unmet("mysql", Features(), "xs", False) == "mysql lacks has_native_uuid_field"
    bare = Requires(features=("has_native_uuid_field",))
    assert bare.unmet("mysql", Features(), "xs", False) == "mysql lacks has_native_uuid_field"
    large = Requires(scales=("m", "l"), replica=True)
    assert "needs a replica" in str(large.unmet("postgresql", Features(), "m", False))
    assert large.unmet("postgresql", Features(), "xs", True) == (
        "runs at scale m and l only (this run: xs)"
    )
    assert large.unmet("postgresql", Features(), "l", True) is None


def test_a_replica_is_asked_for_only_when_a_selected_case_reads_from_one() -> None:
    from ormbench.declare import catalogue

    def wanted(keyword: str) -> bool:
        selected = catalogue.select(("postgresql",), "xs", keyword, DEFAULT_PACKAGES)
        return catalogue.needs_replica(selected)

    assert wanted("read_your_writes") and wanted("replica_reads or fk_access")
    assert not wanted("fk_access") and not wanted("not replica and not read_your_writes")


def test_async_requests_hands_its_calls_to_one_event_loop_as_an_asgi_server_does() -> None:
    """Inside its `around`, async_to_sync starts no thread and no event loop per call (left to
    itself it started both in every call, which the timing then paid)."""
    from django.conf import settings

    from ormbench.settings import configure

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    from ormbench.catalogue.scenarios.concurrency import async_requests as scenario
    from ormbench.worker.probes.call import threads_started

    variant = next(v for v in scenario.async_requests.variants if v.name == "async_gather")
    assert variant.around is not None

    def calls() -> tuple[int, int]:
        with threads_started() as alone:
            assert scenario.async_gather(0) == []  # no request: no database either
        with variant.around(), threads_started() as around:
            assert scenario.async_gather(0) == [] and scenario.async_gather(0) == []
        return alone.count, around.count

    # in a thread of its own, as a worker's main thread: none of the test process's event
    # loops (the browser tests leave one running here) is running there
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(calls).result() == (1, 0)


def test_clients_are_up_before_the_calls_and_the_same_threads_serve_each() -> None:
    """The race scenarios' threads start, and open their connections, once for a block of calls
    (they were started, connected and closed inside every timed call); what a client raises
    reaches the caller."""
    from django.conf import settings

    from ormbench.settings import configure
    from ormbench.worker.probes.call import threads_started

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    import threading

    from ormbench.declare.threads import at_once, clients

    def where() -> None:
        seen.append(threading.current_thread().name)

    seen: list[str] = []
    with threads_started() as alone:
        at_once(where, where)
    assert alone.count == 2
    with clients(3), threads_started() as block:
        at_once(where, where, where)
        first, seen[:] = sorted(seen[2:]), []
        at_once(where, where, where)
        assert sorted(seen) == first == [f"ormbench-client-{i}" for i in range(3)]
        with pytest.raises(ValueError, match="refused"):
            at_once(where, where, lambda: (_ for _ in ()).throw(ValueError("refused")))
    assert block.count == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("ormbench-client")]


def test_a_check_that_cannot_fail_is_judged_over_every_size_of_the_scale_only() -> None:
    """A reference giving one result at every size of the scale is a check that cannot fail,
    said in each of its cases; two sizes of a selection agreeing prove nothing (trap_ordering's
    genres are the same among 100 and 1 000 books, not among 10), and are not flagged."""
    from django.conf import settings

    from ormbench.settings import configure

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    from ormbench.catalogue.scenarios.traps import trap_ordering as module
    from ormbench.declare.scenario import cases
    from ormbench.worker.check import Check
    from ormbench.worker.reference import References

    scenario = module.trap_ordering

    def judged(selected: list[Any], genres: dict[int, list[str]]) -> list[str]:
        def check(case: Any, fn: Any) -> Check:
            return Check(genres[case.n], 1, 1, 0.001, {}, {})

        references = References(check, lambda *_: None, None)  # type: ignore[arg-type]
        references.note_sizes(selected, "s")
        return references.problems_of(selected[0])

    every = cases({"trap_ordering": scenario}, "s")
    assert {c.n for c in every} == set(scenario.sizes_at("s")) and len(scenario.sizes_at("s")) > 2
    constant = {n: ["fantasy", "poetry"] for n in scenario.sizes_at("s")}
    assert "gives the same result at every n" in judged(every, constant)[0]
    assert judged(every, {**constant, min(constant): ["poetry"]}) == []
    two_sizes = [c for c in every if c.n != min(constant)]
    assert judged(two_sizes, constant) == []
