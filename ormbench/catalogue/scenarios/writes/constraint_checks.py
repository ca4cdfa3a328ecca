"""Saving n new reviews, every second one repeating the one before it (the same reviewer on the
same book), which Review's UniqueConstraint forbids, and every fourth rated 6, which its
CheckConstraint (a rating from 1 to 5) forbids: validated in Python with full_clean() before each
save, against letting the database's constraints reject them.

full_clean() checks each Meta constraint with a query of its own, the CheckConstraint too (Django
evaluates its condition in a SELECT), and each foreign key, and the primary key when it is set.
Between those queries and the INSERT another request may insert the same pair: only the database's
constraint holds under concurrency, so it must be there either way.
Every variant leaves the same rows (explicit keys: a rejected INSERT takes a sequence value on
PostgreSQL, and the accepted rows' keys would differ). ignore_conflicts=True ignores every
conflict, not only this one, and not the same ones everywhere: PostgreSQL's ON CONFLICT DO NOTHING
skips unique conflicts only, so a rating of 6 fails the whole INSERT, where MySQL's INSERT IGNORE
and SQLite's INSERT OR IGNORE skip that row too, silently; the bulk variant checks the ratings
itself. Use it only where a conflict can mean nothing else."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ormbench.catalogue.models_app.models import Review
from ormbench.declare.queries import bulk_create_queries
from ormbench.declare.scenario import Correct, Scenario

FIRST_KEY = 10_000_000  # above every review of the dataset at every scale
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FIELDS = ["id", "book", "reviewer", "rating", "body", "created"]
RATINGS = range(1, 6)  # what the CheckConstraint allows


def new_reviews(n):
    """n unsaved reviews with keys of their own; the (2k+1)-th repeats the 2k-th's pair, and every
    fourth (i = 2, 6, 10, ...) is rated 6, so its repeat is the pair's only row."""
    return [
        Review(
            id=FIRST_KEY + i,
            book_id=1 + (i // 2) % 200,
            reviewer=f"constraint-{i // 2}",
            rating=6 if i % 4 == 2 else 1 + i % 5,
            body=f"Review {i}.",
            created=WHEN,
        )
        for i in range(n)
    ]


def saved(n):
    return list(
        Review.objects.filter(pk__gte=FIRST_KEY)
        .order_by("pk")
        .values_list("pk", "book_id", "reviewer", "rating", "body", "created")
    )


constraint_checks = Scenario(
    "constraint_checks",
    sizes=(10, 100),  # a loop of n commits: n=100 shows it, n=1000 would add seconds a run
    n_of=None,  # n new reviews, half of them repeats
    writes=True,
    correct=Correct(state=saved),
)


@constraint_checks.naive(queries=lambda n: 4 * n + (n + 1) // 2)
def full_clean_each(n):
    """full_clean() then save() per review: a query for the book, one for the key, one per
    constraint, then the INSERT for those that pass; the others raise ValidationError."""
    rejected = 0
    for review in new_reviews(n):
        try:
            review.full_clean()
        except ValidationError:
            rejected += 1
            continue
        review.save(force_insert=True)
    return rejected


@constraint_checks.optimized(queries=lambda n: 3 * n)
def database_rejects(n):
    """save() in atomic() per review: BEGIN, the INSERT, and COMMIT, or ROLLBACK when a
    constraint raises IntegrityError."""
    rejected = 0
    for review in new_reviews(n):
        try:
            with transaction.atomic():
                review.save(force_insert=True)
        except IntegrityError:
            rejected += 1
    return rejected


@constraint_checks.optimized(
    queries=lambda n: bulk_create_queries(Review, FIELDS, n - (n + 2) // 4) + 1
)
def bulk_ignore_conflicts(n):
    """bulk_create(ignore_conflicts=True) of the reviews rated 1 to 5: the database skips the
    repeats in one INSERT; a count says how many rows are missing."""
    rated = [review for review in new_reviews(n) if review.rating in RATINGS]
    Review.objects.bulk_create(rated, ignore_conflicts=True)
    return n - Review.objects.filter(pk__gte=FIRST_KEY).count()
