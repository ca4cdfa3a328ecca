"""The genres among n books, where order does not matter: a default ordering on a non-key column
(`ordering = ["-published"]`, as the guides' models have) against order_by() that drops it.

An ordering on the primary key costs almost nothing (the index already gives it); one on a date
makes the database sort rows nobody needs sorted.
"""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

trap_ordering = Scenario("trap_ordering")


@trap_ordering.naive(queries=1)
def default_ordering(n):
    """ORDER BY published DESC, as a Meta.ordering on the date would add to every query."""
    books = Book.objects.filter(pk__lte=n).order_by("-published")
    return sorted(set(books.values_list("genre", flat=True)))


@trap_ordering.optimized(queries=1)
def no_ordering(n):
    """order_by() with no fields: no ORDER BY in the SQL."""
    return sorted(set(Book.objects.filter(pk__lte=n).order_by().values_list("genre", flat=True)))
