"""data_migration runs as `migrate` runs RunPython: on the historical models, in batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ormbench.settings import configure


@pytest.fixture(scope="module")
def books() -> Any:
    from django.conf import settings

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    from django.core.management import call_command

    from ormbench.catalogue.models_app.models import Author, Book, Publisher

    call_command("migrate", verbosity=0)
    publisher = Publisher.objects.create(name="P", country="C")
    author = Author.objects.create(
        name="A", email="a@example.com", birth_year=1970, agent=publisher
    )
    Book.objects.bulk_create(
        Book(
            id=i,
            title=f"T{i}",
            isbn=f"{i:013d}",
            catalog_code=f"C{i}",
            author=author,
            publisher=publisher,
            price=1,
            pages=1,
            published=dt.date(2020, 1, 1),
            genre="g",
            language="en",
        )
        for i in range(1, 601)
    )
    return Book


def test_the_batched_variant_reads_and_writes_250_rows_at_a_time_through_historical_models(
    books: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ormbench.catalogue.scenarios.writes import data_migration

    given: list[Any] = []
    forwards = data_migration.batched_forwards
    monkeypatch.setattr(
        data_migration,
        "batched_forwards",
        lambda apps, editor, n: (given.append(apps), forwards(apps, editor, n)),
    )
    with CaptureQueriesContext(connection) as captured:
        data_migration.runpython_bulk_update_batches(600)
    (apps,) = given
    historical = apps.get_model("models_app", "Book")
    assert historical is not books and historical.__module__ == "__fake__"  # as RunPython gets it
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(selects) == len(updates) == 3  # 250, 250 and 100 rows
    (variant,) = (v for v in data_migration.data_migration.variants if "batches" in v.name)
    assert len(captured) == variant.expected_queries(600, "sqlite", "autocommit")
    assert set(books.objects.values_list("language", flat=True)) == {"EN"}
