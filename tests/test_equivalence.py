"""Strict comparison of results: the unit layer, no database needed."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from decimal import Decimal

import pytest

from ormbench.settings import configure
from ormbench.worker.probes.equivalence import first_difference


@pytest.fixture(scope="module", autouse=True)
def django_models() -> None:
    from django.conf import settings

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


def test_equal_values_of_the_same_types_have_no_difference() -> None:
    value = [(1, "a", Decimal("2.50"), dt.date(2026, 1, 1), None, True), {"k": [1.5]}]
    assert first_difference(value, [*value]) is None


@pytest.mark.parametrize(
    ("naive", "variant", "shown"),
    [
        (True, 1, "result: naive True (bool), variant 1 (int)"),
        (Decimal("2.5"), 2.5, "result: naive Decimal('2.5') (Decimal), variant 2.5 (float)"),
        ([1, 2, 3], [1, 3, 2], "result[1]: naive 2, variant 3"),
        (
            [1, 2],
            [1, 2, 3],
            "result: naive has 2 items, variant 3; first unmatched [2] only in variant: 3",
        ),
        ({"a": 1}, {"a": 1, "b": 2}, "result['b']: only in variant"),
        (
            [("t1", "x"), ("t2", "y")],
            [("t1", "x"), ("t2", "z")],
            "result[1]: naive ('t2', 'y'), variant ('t2', 'z') (differs at result[1][1])",
        ),
    ],
)
def test_the_first_difference_is_named(naive: object, variant: object, shown: str) -> None:
    assert first_difference(naive, variant) == shown


def test_model_instances_are_compared_by_every_field_not_by_pk() -> None:
    from ormbench.catalogue.models_app.models import Book

    right, wrong = Book(pk=1, title="right"), Book(pk=1, title="WRONG")
    assert right == wrong  # what Django's == says
    shown = first_difference([right], [wrong])
    assert shown == "result[0].title: naive 'right', variant 'WRONG' (in models_app.Book)"


def test_unordered_results_compare_as_multisets_only_when_declared() -> None:
    assert first_difference([3, 1, 2], [1, 2, 3], unordered=True) is None
    assert first_difference([3, 1, 2], [1, 2, 3]) is not None
    assert first_difference([1, 1, 2], [1, 2, 2], unordered=True) is not None


def test_named_rows_and_sides_are_kept() -> None:
    Row = namedtuple("Row", "id title")
    shown = first_difference([Row(1, "a")], [Row(1, "b")], names=("loop", "bulk"))
    assert shown == (
        "result[0]: loop Row(id=1, title='a'), bulk Row(id=1, title='b') (differs at result[0][1])"
    )
