"""Mutation self-test: wrong variants planted in copies of the real scenarios must be caught.

Each mutant is a copy of a catalogue module (renamed, so it registers as its own scenario) with
one optimized variant made wrong the way a careless contributor might, plus a few written from
scratch. All of them run in one temporary scenario package on all three databases; every planted
variant must come out INVALID with its first difference, every untouched one valid.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ormbench.servers import DEFAULT_DATABASES as DATABASES
from tests.conftest import bench, newest_run, scenario_module

# kind: (catalogue module, text to replace, its replacement, the variant made wrong)
PLANTED = {
    "dropped_row": (
        "fk_access",
        'select_related("author")[:n]]',
        'select_related("author")[1:n]]',
        "select_related",
    ),
    "wrong_order": (
        "fk_access",
        'return [(b.title, b.author.name) for b in Book.objects.select_related("author")[:n]]',
        'return sorted((b.title, b.author.name) for b in Book.objects.select_related("author")'
        "[:n])",
        "select_related",
    ),
    "wrong_filter": (
        "aggregate_sum",
        "Book.objects.filter(pk__lte=n).aggregate(",
        "Book.objects.filter(pk__lt=n).aggregate(",
        "database_sum",
    ),
    "wrong_aggregate_relation": (
        "aggregate_count",
        'Book.objects.annotate(review_count=Count("reviews"))',
        'Book.objects.annotate(review_count=Count("tags"))',
        "annotate_count",
    ),
    "extra_row_written": (
        "updates",
        "Book.objects.filter(pk__lte=n).update(",
        "Book.objects.filter(pk__lte=n + 1).update(",
        "queryset_update",
    ),
    "wrong_column_updated": (
        "counters",
        'filter(pk__lte=n).update(view_count=F("view_count") + 1)',
        'filter(pk__lte=n).update(pages=F("pages") + 1)',
        "f_expression",
    ),
    "dropped_filter_on_update": (
        "counters",
        "Book.objects.filter(pk__lte=n).update(",
        "Book.objects.update(",
        "f_expression",
    ),
    "off_by_one_batch": (
        "updates",
        'Book.objects.bulk_update(books, ["pages"], batch_size=100)',
        'Book.objects.bulk_update(books[:-1], ["pages"], batch_size=100)',
        "bulk_update_100",
    ),
    "insert_one_row_too_few": (
        "inserts",
        "bulk_create(new_reviews(n))",
        "bulk_create(new_reviews(n)[:-1])",
        "bulk_create_all",
    ),
    "delete_other_rows_same_count": (
        "deletes",
        "Book.objects.filter(pk__lte=n).delete()",
        "Book.objects.filter(pk__gt=1, pk__lte=n + 1).delete()",
        "queryset_delete",
    ),
    "missing_commit": (
        "transactions",
        "    with transaction.atomic():\n        save_reviews(n)\n",
        "    with transaction.atomic():\n        save_reviews(n)\n"
        "        transaction.set_rollback(True)\n",
        "one_atomic_block",
    ),
}

# kind: (catalogue module, code appended to it, the variant it adds)
APPENDED = {
    "cached_result": (
        "fk_access",
        '''
_CACHE = {}


@fk.optimized(queries=1)
def cached(n):
    """Right on the first call, then served from a module-level cache."""
    if n not in _CACHE:
        _CACHE[n] = [(b.title, b.author.name) for b in Book.objects.select_related("author")[:n]]
    return _CACHE[n]
''',
        "cached",
    ),
    "counter_race_no_op": (
        "counter_race",
        '''

@counter_race.optimized(queries=0)
def no_op(n):
    """Claims to fix the race by doing nothing."""
    in_threads(lambda: None, n)
''',
        "no_op",
    ),
}

WRITTEN = '''"""Mutants written from scratch: wrong types, a constant check, a round that raises."""

from django.db.models import F

from ormbench.declare.scenario import Scenario
from ormbench.catalogue.models_app.models import Book

instances = Scenario("m_wrong_instance_field", sizes=(5, 10))


@instances.naive(queries=1)
def books(n):
    """Model instances."""
    return list(Book.objects.filter(pk__lte=n))


@instances.optimized(queries=1)
def one_wrong_title(n):
    """Same keys, one field wrong: equal by pk under ==, not here."""
    found = list(Book.objects.filter(pk__lte=n))
    found[-1].title = "WRONG"
    return found


types = Scenario("m_float_for_decimal", sizes=(5, 10))


@types.naive(queries=1)
def decimal_total(n):
    """A Decimal."""
    return sum(Book.objects.filter(pk__lte=n).values_list("price", flat=True))


@types.optimized(queries=1)
def float_total(n):
    """The same total as a float."""
    return float(sum(Book.objects.filter(pk__lte=n).values_list("price", flat=True)))


constant = Scenario("m_constant_check", sizes=(5, 10))


@constant.naive(queries=1)
def any_books(n):
    """True at every n: nothing a variant does can disagree."""
    return Book.objects.filter(pk__lte=n).exists()


@constant.optimized(queries=1)
def any_books_too(n):
    """The same question."""
    return Book.objects.filter(pk__lte=n).exists()


raising = Scenario("m_raises_in_a_round", sizes=(5, 10), writes=True)
_CALLS = {"count": 0}


@raising.naive(queries=1)
def bump(n):
    """The reference write."""
    Book.objects.filter(pk__lte=n).update(pages=F("pages") + 1)


@raising.optimized(queries=1)
def bump_then_fail(n):
    """Writes, then raises from its third call on: inside a timed round."""
    Book.objects.filter(pk__lte=n).update(pages=F("pages") + 1)
    _CALLS["count"] += 1
    if _CALLS["count"] > 2:
        raise RuntimeError("planted failure in a timed round")


@raising.optimized(queries=1)
def zz_bump_after(n):
    """Runs after the failing one: must see no leftover transaction."""
    Book.objects.filter(pk__lte=n).update(pages=F("pages") + 1)
'''


def _plant(package: Path) -> None:
    package.mkdir()
    (package / "__init__.py").write_text("")
    for kind, (module, old, new, _) in PLANTED.items():
        source = scenario_module(module).read_text()
        assert source.count(old) == 1, f"{kind}: the text to mutate is not in {module}.py once"
        (package / f"{kind}.py").write_text(_renamed(source.replace(old, new), kind))
    for kind, (module, code, _) in APPENDED.items():
        source = scenario_module(module).read_text()
        (package / f"{kind}.py").write_text(_renamed(source + code, kind))
    (package / "written.py").write_text(WRITTEN)


def _renamed(source: str, kind: str) -> str:
    renamed, count = re.subn(r'Scenario\(\s*"\w+"', f'Scenario("m_{kind}"', source, count=1)
    assert count == 1
    return renamed


@pytest.fixture(scope="module")
def mutant_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("mutants")
    _plant(root / "planted_mutants")
    results = root / "results"
    done = bench(
        "--scale",
        "xs",
        "--rounds",
        "3",
        "--no-report",
        "--scenarios",
        "planted_mutants",
        results=results,
        PYTHONPATH=str(root),
    )
    return {"proc": done, "doc": newest_run(results)}


def _results(doc: dict[str, Any], scenario: str) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {
        (b["extra_info"]["database"], b["extra_info"]["variant"], b["extra_info"]["n"]): b[
            "extra_info"
        ]
        for b in doc["benchmarks"]
        if b["extra_info"]["scenario"] == scenario
    }


@pytest.mark.parametrize(
    "kind", [*PLANTED, *APPENDED, "wrong_instance_field", "float_for_decimal", "constant_check"]
)
def test_every_planted_wrong_variant_is_invalid_on_every_database(
    mutant_run: dict[str, Any], kind: str
) -> None:
    wrong = {**PLANTED, **APPENDED}.get(kind, (None,))[-1]
    wrong = (
        wrong
        or {
            "wrong_instance_field": "one_wrong_title",
            "float_for_decimal": "float_total",
            "constant_check": "any_books_too",
        }[kind]
    )
    found = _results(mutant_run["doc"], f"m_{kind}")
    databases = {"postgresql", "mysql"} if kind == "counter_race_no_op" else set(DATABASES)
    assert {db for db, variant, _ in found if variant == wrong} == databases
    for (db, variant, n), info in found.items():
        if variant == wrong:
            assert info["valid"] is False, (db, n)
            assert info["error"], (db, n)
            line = f"INVALID {db} m_{kind}/{variant} n={n}: "
            assert line in mutant_run["proc"].stdout, line
        elif kind != "constant_check":
            assert info["valid"] is True, (db, variant, n, info["error"])


def test_a_planted_difference_names_the_first_differing_row(mutant_run: dict[str, Any]) -> None:
    found = _results(mutant_run["doc"], "m_extra_row_written")
    for db in DATABASES:
        error = found[(db, "queryset_update", 10)]["error"]
        assert "table models_app_book: id=11 column pages: save_loop" in error, error
    read = _results(mutant_run["doc"], "m_dropped_row")[("sqlite", "select_related", 10)]
    assert read["error"].startswith("result[0]: lazy_loop ("), read["error"]


def test_invalid_cases_are_one_line_each_without_a_traceback(mutant_run: dict[str, Any]) -> None:
    done = mutant_run["proc"]
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert not re.search(r"^E\s", output, re.M), "pytest failure lines leaked into the output"


def test_a_round_that_raises_is_reported_and_rolled_back(mutant_run: dict[str, Any]) -> None:
    doc = mutant_run["doc"]
    failed = [f for f in doc["ormbench"]["failed"] if f["scenario"] == "m_raises_in_a_round"]
    assert {f["database"] for f in failed} == set(DATABASES)
    assert all("planted failure in a timed round" in f["error"] for f in failed)
    after = _results(doc, "m_raises_in_a_round")
    for db in DATABASES:
        assert after[(db, "zz_bump_after", 10)]["valid"] is True
    assert "left the database changed" not in mutant_run["proc"].stdout
