"""Fetching n books by primary key: get() in a loop against in_bulk() and filter(pk__in=...)."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

lookup_bulk = Scenario("lookup_bulk")


def wanted(n):
    """Every other id, so the ids are not one contiguous range."""
    return list(range(1, 2 * n, 2))[: n // 2 or 1]


@lookup_bulk.naive(queries=lambda n: len(wanted(n)))
def get_loop(n):
    """One SELECT per id."""
    return [(pk, Book.objects.get(pk=pk).title) for pk in wanted(n)]


@lookup_bulk.optimized(queries=1)
def in_bulk(n):
    """in_bulk(ids): one SELECT ... WHERE id IN (...), a dict by id."""
    found = Book.objects.in_bulk(wanted(n))
    return [(pk, found[pk].title) for pk in wanted(n)]


@lookup_bulk.optimized(queries=1)
def filter_pk_in(n):
    """filter(pk__in=ids).values_list(...): one SELECT, only the columns needed."""
    ids = wanted(n)
    titles = dict(Book.objects.filter(pk__in=ids).values_list("pk", "title"))
    return [(pk, titles[pk]) for pk in ids]
