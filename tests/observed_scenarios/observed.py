"""A figure that takes a query to know, given as a function: read after the checked call."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Observed, Scenario

observed_later = Scenario("observed_later", sizes=(5, 10))


def books_in_table():
    return Book.objects.count()  # a query of its own: not the call's


@observed_later.naive(queries=1)
def titles(n):
    """The first n titles, and the table's size as an observed figure, read later."""
    found = list(Book.objects.filter(pk__lte=n).values_list("title", flat=True))
    return Observed(found, {"books_in_table": books_in_table})


@observed_later.optimized(queries=1)
def titles_in_order(n):
    """The same titles, ordered by key."""
    found = list(Book.objects.filter(pk__lte=n).order_by("pk").values_list("title", flat=True))
    return Observed(found, {"books_in_table": books_in_table})
