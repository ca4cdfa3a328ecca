"""Whether book n, and book n + 1, are among the first n books: `obj in queryset` against
queryset.contains(obj).

Each call asks both, so every check sees a yes and a no: a variant that drops the filter says
yes twice.
"""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Correct, Scenario

trap_contains = Scenario(
    "trap_contains",
    correct=Correct(
        constant_result="a yes/no question: each call asks one whose answer is yes (book n) and "
        "one whose answer is no (book n + 1), at every n"
    ),
)


@trap_contains.naive(queries=2)
def in_operator(n):
    """`book in qs` loads all n books and compares them one by one in Python."""
    return [Book(pk=pk) in Book.objects.filter(pk__lte=n) for pk in (n, n + 1)]


@trap_contains.optimized(queries=2)
def contains_query(n):
    """qs.contains(book): one query filtered on the primary key."""
    return [Book.objects.filter(pk__lte=n).contains(Book(pk=pk)) for pk in (n, n + 1)]
