"""Each book's number of reviews: count() per book in a loop against annotate(Count(...))."""

from django.db.models import Count

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

aggregate_count = Scenario("aggregate_count")


@aggregate_count.naive(queries=lambda n: 1 + n)
def count_per_book(n):
    """One SELECT for the books, then one COUNT per book."""
    return [(b.title, b.reviews.count()) for b in Book.objects.all()[:n]]


@aggregate_count.optimized(queries=1)
def annotate_count(n):
    """annotate(review_count=Count("reviews")).order_by("id"): one SELECT with a LEFT JOIN and
    GROUP BY. The order_by is needed: Meta.ordering is ignored in GROUP BY queries."""
    books = Book.objects.annotate(review_count=Count("reviews")).order_by("id")[:n]
    return [(b.title, b.review_count) for b in books]
