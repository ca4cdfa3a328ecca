"""Figures a variant measures of its own call: one read later (given as a function), one taken
as the call ran (the last timed round's is kept)."""

from collections import Counter

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Observed, Scenario

observed_later = Scenario("observed_later", sizes=(5, 10))
calls: Counter[tuple[str, int]] = Counter()  # calls so far, per variant and n


def books_in_table():
    return Book.objects.count()  # a query of its own: not the call's


def titles_of(variant, n, ordered):
    calls[variant, n] += 1
    books = Book.objects.filter(pk__lte=n)
    found = list((books.order_by("pk") if ordered else books).values_list("title", flat=True))
    return Observed(found, {"books_in_table": books_in_table, "call": calls[variant, n]})


@observed_later.naive(queries=1)
def titles(n):
    """The first n titles, the table's size read later, and which call this was."""
    return titles_of("titles", n, ordered=False)


@observed_later.optimized(queries=1)
def titles_in_order(n):
    """The same titles, ordered by key."""
    return titles_of("titles_in_order", n, ordered=True)
