"""Total pages of n books: sum() over instances in Python against aggregate(Sum(...))."""

from django.db.models import Sum

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

aggregate_sum = Scenario("aggregate_sum")


@aggregate_sum.naive(queries=1)
def python_sum(n):
    """Fetch every book as an instance and add the pages up in Python."""
    return sum(b.pages for b in Book.objects.filter(pk__lte=n))


@aggregate_sum.optimized(queries=1)
def values_list_sum(n):
    """Fetch only the pages column and add up in Python."""
    return sum(Book.objects.filter(pk__lte=n).values_list("pages", flat=True))


@aggregate_sum.optimized(queries=1)
def database_sum(n):
    """aggregate(Sum("pages")): the database adds, one number comes back."""
    return Book.objects.filter(pk__lte=n).aggregate(total=Sum("pages"))["total"]
