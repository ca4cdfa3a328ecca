"""Books by the first authors or published lately (both conditions on indexed columns, the
share of matches growing with n): filter(Q(a) | Q(b)) against union() of two indexed queries.

One OR over two indexes is where the planners part ways: PostgreSQL can OR two bitmap index
scans, MariaDB may merge the indexes (index_merge) or scan the table, SQLite may use a
"MULTI-INDEX OR". The union() runs two plain index lookups and removes the duplicates. The
plans of both variants are in the report, side by side: what to take from it is which your
database does at your size, not a rule.
"""

import datetime as dt

from django.db.models import Q

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

or_union = Scenario("or_union")
LAST_DAY = dt.date(2023, 12, 1)  # the dataset's publication dates end near here


def by_author(n):
    return Q(author_id__lte=max(1, n // 25))


def lately(n):
    return Q(published__gte=LAST_DAY - dt.timedelta(days=10 * n))


@or_union.naive(queries=1)
def q_or(n):
    """filter(Q(author_id__lte=...) | Q(published__gte=...)).order_by("id")."""
    books = Book.objects.filter(by_author(n) | lately(n)).order_by("id")
    return list(books.values_list("id", "title"))


@or_union.optimized(queries=1)
def union(n):
    """filter(author condition).union(filter(date condition)).order_by("id"): each side can use
    its own index; UNION removes the books both return."""
    first = Book.objects.filter(by_author(n)).order_by().values_list("id", "title")
    second = Book.objects.filter(lately(n)).order_by().values_list("id", "title")
    return list(first.union(second).order_by("id"))
