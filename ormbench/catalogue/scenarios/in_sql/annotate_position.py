"""The review count of the first n books: annotate() before filter() against filter() before
annotate(), the guides' "annotate after filtering".

On a filter of the book's own columns the two send the same SQL: Django puts the WHERE before
the GROUP BY whichever comes first in the code, and the plans in the report are the same. What
to take from it: the order matters only when the filter crosses the relation being counted,
and then it changes the answer: `annotate_across` times that case.
"""

from django.db.models import Count

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

annotate_position = Scenario("annotate_position")


@annotate_position.naive(queries=1)
def annotate_then_filter(n):
    """annotate(review_count=Count("reviews")).filter(pk__lte=n)."""
    books = Book.objects.annotate(review_count=Count("reviews")).filter(pk__lte=n).order_by("id")
    return list(books.values_list("id", "review_count"))


@annotate_position.optimized(queries=1)
def filter_then_annotate(n):
    """filter(pk__lte=n).annotate(review_count=Count("reviews"))."""
    books = Book.objects.filter(pk__lte=n).annotate(review_count=Count("reviews")).order_by("id")
    return list(books.values_list("id", "review_count"))
