"""Deleting n books with their reviews and tag links (CASCADE): delete() per book against one
QuerySet.delete()."""

import math

from django.db import connection

from bench.scenario import Scenario
from models_app.models import Book, Review

deletes = Scenario(
    "deletes",
    writes=True,
    state=lambda n: (
        Book.objects.count(),
        Review.objects.count(),
        Book.tags.through.objects.count(),
    ),
)


def batched(n):
    """Django deletes related rows in batches of the backend's parameter limit."""
    cap = connection.ops.bulk_batch_size([Book._meta.pk], [None] * n)
    return math.ceil(n / cap)


@deletes.naive(queries=lambda n: 1 + 3 * n)
def delete_each(n):
    """Per book: DELETE its tag links, its reviews, then the book."""
    for book in Book.objects.filter(pk__lte=n):
        book.delete()


@deletes.optimized(queries=lambda n: 1 + 3 * batched(n))
def queryset_delete(n):
    """QuerySet.delete(): one SELECT of the ids, then one DELETE per table (per id batch)."""
    Book.objects.filter(pk__lte=n).delete()
