"""n saves that each commit (autocommit) against the same saves in one transaction.atomic().

The commits are real: nothing wraps the variants in a transaction, and the harness restores the
table after every call, outside the timed region. Each commit pays the server's fsync, unless
the run used --no-fsync (recorded in the results).
"""

import datetime as dt

from django.db import transaction

from ormbench.catalogue.models_app.models import Review
from ormbench.declare.scenario import Correct, Scenario

PREFIX = "tx-"
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def save_reviews(n, start=0):
    for i in range(start, start + n):
        Review(
            book_id=1 + i % 200, reviewer=f"{PREFIX}{i}", rating=3, body="Committed.", created=WHEN
        ).save()


def saved_reviews(n):
    """What save_reviews left: the state every variant must reach."""
    return list(
        Review.objects.filter(reviewer__startswith=PREFIX)
        .order_by("reviewer")
        .values_list("book_id", "reviewer")
    )


transactions = Scenario(
    "transactions",
    writes=True,
    n_of=None,
    correct=Correct(state=saved_reviews),
)


@transactions.naive(queries=lambda n: n)
def autocommit_each(n):
    """Autocommit: every INSERT is its own transaction, with its own commit."""
    save_reviews(n)


@transactions.optimized(queries=lambda n: n + 2)
def one_atomic_block(n):
    """The same INSERTs inside transaction.atomic(): BEGIN, the INSERTs, one COMMIT."""
    with transaction.atomic():
        save_reviews(n)
