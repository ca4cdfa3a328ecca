"""The genres among n books, where order does not matter: Meta.ordering's ORDER BY against
order_by() that drops it."""

from bench.scenario import Scenario
from models_app.models import Book

trap_ordering = Scenario("trap_ordering")


@trap_ordering.naive(queries=1)
def default_ordering(n):
    """Meta.ordering = ["id"] makes the database sort rows nobody needs sorted."""
    return sorted(set(Book.objects.filter(pk__lte=n).values_list("genre", flat=True)))


@trap_ordering.optimized(queries=1)
def no_ordering(n):
    """order_by() with no fields: no ORDER BY in the SQL."""
    return sorted(set(Book.objects.filter(pk__lte=n).order_by().values_list("genre", flat=True)))
