"""Streaming n reviews: plain evaluation against iterator(chunk_size=...) at several sizes.

Time and peak Python memory are both the point: plain evaluation keeps every instance (and
Django's result cache) alive, iterator() keeps one chunk.
"""

from ormbench.catalogue.models_app.models import Review
from ormbench.declare.scenario import Scenario

# Sizes reach past the 2000-row chunk at s: below it every variant is one fetch.
iterator = Scenario(
    "iterator",
    n_of="reviews",
    sizes={
        "xs": (10, 100, 400),
        "s": (100, 1_000, 4_000),
        "m": (100, 1_000, 10_000, 40_000),
        "l": (100, 1_000, 10_000, 100_000),
    },
    memory=True,
)


def summarize(reviews):
    count = chars = 0
    for review in reviews:
        count += 1
        chars += len(review.body)
    return count, chars


@iterator.naive(queries=1)
def evaluate_all(n):
    """Evaluate the queryset: every instance in memory at once."""
    return summarize(list(Review.objects.all()[:n]))


@iterator.optimized(queries=1)
def iterator_chunk_100(n):
    """iterator(chunk_size=100): rows fetched and built 100 at a time."""
    return summarize(Review.objects.all()[:n].iterator(chunk_size=100))


@iterator.optimized(queries=1)
def iterator_chunk_2000(n):
    """iterator(chunk_size=2000), Django's default chunk size."""
    return summarize(Review.objects.all()[:n].iterator(chunk_size=2000))
