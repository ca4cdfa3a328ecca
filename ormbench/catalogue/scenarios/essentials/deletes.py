"""Deleting n books with their reviews and tag links (CASCADE): delete() per book against one
QuerySet.delete()."""

from ormbench.catalogue.models_app.models import Book, Review
from ormbench.declare.queries import delete_batches
from ormbench.declare.scenario import Correct, Scenario

deletes = Scenario(
    "deletes",
    writes=True,
    modes=("autocommit", "request"),
    correct=Correct(
        state=lambda n: (
            Book.objects.count(),
            Review.objects.count(),
            Book.tags.through.objects.count(),
        )
    ),
)


@deletes.naive(queries={"request": lambda n: 3 + 3 * n, "default": lambda n: 1 + 5 * n})
def delete_each(n):
    """Per book: DELETE its tag links, its reviews, then the book (in autocommit, each delete()
    in its own BEGIN ... COMMIT)."""
    for book in Book.objects.filter(pk__lte=n):
        book.delete()


def queryset_delete_queries(n):
    """One SELECT, a DELETE of links and of reviews per id batch, then the books themselves
    in chunks of 100 ids (Django's DeleteQuery)."""
    related, own = delete_batches(Book, n)
    return 3 + 2 * related + own


@deletes.optimized(queries=queryset_delete_queries)
def queryset_delete(n):
    """QuerySet.delete(): one SELECT of the books, then DELETEs of whole batches per table."""
    Book.objects.filter(pk__lte=n).delete()
