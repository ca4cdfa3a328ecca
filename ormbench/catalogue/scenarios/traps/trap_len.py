"""How many reviews the first n books have: len(queryset) against queryset.count()."""

from ormbench.catalogue.models_app.models import Review
from ormbench.declare.scenario import Scenario

trap_len = Scenario("trap_len")


@trap_len.naive(queries=1)
def len_of_queryset(n):
    """len(qs) fetches every row and builds every instance to count them."""
    return len(Review.objects.filter(book_id__lte=n))


@trap_len.optimized(queries=1)
def count_query(n):
    """qs.count(): SELECT COUNT(*), one number back."""
    return Review.objects.filter(book_id__lte=n).count()
