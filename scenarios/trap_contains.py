"""Whether book n is among the first n books: `obj in queryset` against queryset.contains(obj)."""

from bench.scenario import Scenario
from models_app.models import Book

trap_contains = Scenario("trap_contains")


@trap_contains.naive(queries=1)
def in_operator(n):
    """`book in qs` loads all n books and compares them one by one in Python."""
    return Book(pk=n) in Book.objects.filter(pk__lte=n)


@trap_contains.optimized(queries=1)
def contains_query(n):
    """qs.contains(book): one query filtered on the primary key."""
    return Book.objects.filter(pk__lte=n).contains(Book(pk=n))
