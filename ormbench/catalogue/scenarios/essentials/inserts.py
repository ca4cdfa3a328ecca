"""Inserting n reviews: create() in a loop against bulk_create at several batch sizes."""

import datetime as dt

from ormbench.catalogue.models_app.models import Review
from ormbench.declare.queries import bulk_create_queries, insert_batches
from ormbench.declare.scenario import Correct, Scenario

FIELDS = ["book", "reviewer", "rating", "body", "created"]


def new_reviews(n):
    """n unsaved reviews, the same on every call, spread over the books."""
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return [
        Review(
            book_id=1 + i % 200,
            reviewer=f"bench-{i}",
            rating=1 + i % 5,
            body=f"Benchmark review number {i}.",
            created=when,
        )
        for i in range(n)
    ]


def inserted(n):
    return list(
        Review.objects.filter(reviewer__startswith="bench-")
        .order_by("book_id", "reviewer")
        .values_list("book_id", "reviewer", "rating", "body", "created")
    )


def batches(batch_size):
    """One INSERT per batch (bulk_create caps batches by the backend's parameter limit): in
    autocommit in bulk_create's own BEGIN ... COMMIT (since Django 6.0 only for several batches),
    in a request inside its transaction."""
    return {
        "request": lambda n: 2 + insert_batches(Review, FIELDS, n, batch_size),
        "default": lambda n: bulk_create_queries(Review, FIELDS, n, batch_size),
    }


inserts = Scenario(
    "inserts",
    n_of=None,
    writes=True,
    modes=("autocommit", "request"),
    correct=Correct(state=inserted),
)


@inserts.naive(queries={"request": lambda n: n + 2, "default": lambda n: n})
def create_loop(n):
    """One INSERT per row, Review.objects.create() in a loop."""
    for review in new_reviews(n):
        Review.objects.create(
            book_id=review.book_id,
            reviewer=review.reviewer,
            rating=review.rating,
            body=review.body,
            created=review.created,
        )


@inserts.optimized(queries=batches(100))
def bulk_create_100(n):
    """bulk_create(batch_size=100): one multi-row INSERT per 100 rows."""
    Review.objects.bulk_create(new_reviews(n), batch_size=100)


@inserts.optimized(queries=batches(None))
def bulk_create_all(n):
    """bulk_create() with no batch_size: as few INSERTs as the backend allows."""
    Review.objects.bulk_create(new_reviews(n))
