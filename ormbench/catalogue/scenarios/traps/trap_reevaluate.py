"""Titles and page counts of n books: calling .all() twice (two queries) against reusing one
evaluated list."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

trap_reevaluate = Scenario("trap_reevaluate")


@trap_reevaluate.naive(queries=2)
def reevaluate_all(n):
    """Each .all() is a new queryset with an empty cache: the rows are fetched twice."""
    books = Book.objects.filter(pk__lte=n)
    titles = [b.title for b in books.all()]
    pages = [b.pages for b in books.all()]
    return titles, pages


@trap_reevaluate.optimized(queries=1)
def reuse_evaluated(n):
    """Evaluate once into a list and read it twice."""
    books = list(Book.objects.filter(pk__lte=n))
    return [b.title for b in books], [b.pages for b in books]
