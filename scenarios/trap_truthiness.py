"""Whether the first n books have any review: `if queryset:` against queryset.exists()."""

from bench.scenario import Scenario
from models_app.models import Review

trap_truthiness = Scenario("trap_truthiness")


@trap_truthiness.naive(queries=1)
def truth_of_queryset(n):
    """bool(qs) evaluates the whole queryset to learn whether it is empty."""
    return bool(Review.objects.filter(book_id__lte=n))


@trap_truthiness.optimized(queries=1)
def exists_query(n):
    """qs.exists(): SELECT 1 ... LIMIT 1."""
    return Review.objects.filter(book_id__lte=n).exists()
