"""Which of the first n books have any review: annotate(Count("reviews")) then filter > 0,
against filter(Exists(...)), the guide's own contrast.

Both are one query. The Count version joins every review and groups them to learn a number it
then only compares with zero; Exists can stop at the first review of each book. What to take
from it: ask the database the question you mean.
"""

from django.db.models import Count, Exists, OuterRef

from ormbench.catalogue.models_app.models import Book, Review
from ormbench.declare.scenario import Scenario

count_vs_exists = Scenario("count_vs_exists")


@count_vs_exists.naive(queries=1)
def count_above_zero(n):
    """annotate(review_count=Count("reviews")).filter(review_count__gt=0): JOIN, GROUP BY,
    HAVING."""
    books = (
        Book.objects.filter(pk__lte=n)
        .annotate(review_count=Count("reviews"))
        .filter(review_count__gt=0)
        .order_by("id")
    )
    return list(books.values_list("id", flat=True))


@count_vs_exists.optimized(queries=1)
def exists_filter(n):
    """filter(Exists(Review.objects.filter(book=OuterRef("pk")))): a semi-join, no grouping."""
    reviewed = Exists(Review.objects.filter(book=OuterRef("pk")))
    return list(Book.objects.filter(reviewed, pk__lte=n).values_list("id", flat=True))
