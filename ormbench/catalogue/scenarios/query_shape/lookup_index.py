"""Finding n books one at a time by a code: an unindexed column against a unique, indexed one.

isbn is unique (a B-tree index); catalog_code holds another code per book and has no index, so
every lookup scans the table. The gap grows with the table, not with n.
"""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

lookup_index = Scenario("lookup_index", sizes=(10, 100))


@lookup_index.naive(queries=lambda n: n)
def by_unindexed_code(n):
    """filter(catalog_code=...) per book: a full table scan each time."""
    return [Book.objects.get(catalog_code=f"CAT-{i:08d}").title for i in range(1, n + 1)]


@lookup_index.optimized(queries=lambda n: n)
def by_indexed_isbn(n):
    """filter(isbn=...) per book: an index lookup each time."""
    return [Book.objects.get(isbn=f"978{i:010d}").title for i in range(1, n + 1)]
