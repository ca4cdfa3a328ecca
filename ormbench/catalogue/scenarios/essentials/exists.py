"""Whether each book has a five-star review: exists() per book against an Exists() or
Subquery() annotation."""

from django.db.models import Exists, OuterRef, Subquery

from ormbench.catalogue.models_app.models import Book, Review
from ormbench.declare.scenario import Scenario

exists = Scenario("exists")


def five_stars():
    return Review.objects.filter(book=OuterRef("pk"), rating=5)


@exists.naive(queries=lambda n: 1 + n)
def exists_per_book(n):
    """One SELECT for the books, then an EXISTS query per book."""
    return [(b.title, b.reviews.filter(rating=5).exists()) for b in Book.objects.all()[:n]]


@exists.optimized(queries=1)
def exists_annotation(n):
    """annotate(top=Exists(...)): a correlated EXISTS inside the one SELECT."""
    return [(b.title, b.top) for b in Book.objects.annotate(top=Exists(five_stars()))[:n]]


@exists.optimized(queries=1)
def subquery_annotation(n):
    """annotate(top_id=Subquery(... [:1])): the first matching id, or NULL."""
    books = Book.objects.annotate(top_id=Subquery(five_stars().values("pk")[:1]))[:n]
    return [(b.title, b.top_id is not None) for b in books]
