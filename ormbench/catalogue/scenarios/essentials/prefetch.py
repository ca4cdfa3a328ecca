"""Each book's tags (M2M) and good reviews (reverse FK): N+1 loops against prefetch_related."""

from django.db.models import Prefetch

from ormbench.catalogue.models_app.models import Book, Review
from ormbench.declare.scenario import Scenario

prefetch = Scenario("prefetch")
GOOD = 4  # a review rated 4 or 5 is "good"


@prefetch.naive(queries=lambda n: 1 + 2 * n)
def lazy_loops(n):
    """One SELECT for the books, then per book one for its tags and one for its reviews."""
    return [
        (
            b.title,
            [t.name for t in b.tags.all()],
            [r.reviewer for r in b.reviews.all() if r.rating >= GOOD],
        )
        for b in Book.objects.all()[:n]
    ]


@prefetch.optimized(queries=3)
def prefetch_related(n):
    """Three SELECTs: books, all their tags, all their reviews; filtered in Python."""
    return [
        (
            b.title,
            [t.name for t in b.tags.all()],
            [r.reviewer for r in b.reviews.all() if r.rating >= GOOD],
        )
        for b in Book.objects.prefetch_related("tags", "reviews")[:n]
    ]


@prefetch.optimized(queries=3)
def prefetch_filtered_to_attr(n):
    """Three SELECTs; the database filters the reviews (Prefetch(queryset=..., to_attr=...))."""
    good = Prefetch(
        "reviews", queryset=Review.objects.filter(rating__gte=GOOD), to_attr="good_reviews"
    )
    return [
        (b.title, [t.name for t in b.tags.all()], [r.reviewer for r in b.good_reviews])
        for b in Book.objects.prefetch_related("tags", good)[:n]
    ]
