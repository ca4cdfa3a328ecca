"""Books and revenue per genre, for the first n books: a Python loop over every book against
values("genre").annotate(Count, Sum), the grouped report the guides recommend.

The loop fetches n whole rows to keep two numbers per genre; the database returns one row per
genre (a dozen) whatever n is. What to take from it: the gap grows with n, and past a few
hundred rows the GROUP BY wins on every database.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

grouped_report = Scenario("grouped_report")
CENTS = Decimal("0.01")


@grouped_report.naive(queries=1)
def python_loop(n):
    """Every book fetched, counted and summed per genre in Python."""
    count: defaultdict[str, int] = defaultdict(int)
    total: defaultdict[str, Decimal] = defaultdict(Decimal)
    for book in Book.objects.filter(pk__lte=n):
        count[book.genre] += 1
        total[book.genre] += book.price
    return sorted((genre, count[genre], total[genre].quantize(CENTS)) for genre in count)


@grouped_report.optimized(queries=1)
def values_annotate(n):
    """values("genre").annotate(count=Count("id"), total=Sum("price")): one GROUP BY query,
    one row per genre. order_by("genre") replaces Meta.ordering, which would split the groups."""
    rows = (
        Book.objects.filter(pk__lte=n)
        .values("genre")
        .annotate(count=Count("id"), total=Sum("price"))
        .order_by("genre")
    )
    return [(r["genre"], r["count"], Decimal(r["total"]).quantize(CENTS)) for r in rows]
