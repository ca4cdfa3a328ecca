"""Authors with their books, each book's publisher and reviews: nested loops against a nested
Prefetch whose queryset uses select_related."""

from django.db.models import Prefetch

from ormbench.catalogue.models_app.models import Author, Book
from ormbench.declare.scenario import Scenario

prefetch_nested = Scenario(
    "prefetch_nested",
    n_of="authors",
    sizes={"xs": (5, 40), "s": (5, 50, 400), "m": (5, 50, 500), "l": (5, 50, 500)},
)


def loop_queries(n):
    """One for the authors, one per author (there may be fewer than n), two per book."""
    authors = Author.objects.filter(pk__lte=n).count()
    return 1 + authors + 2 * Book.objects.filter(author_id__lte=n).count()


def shape(authors, books_of):
    return [
        (
            a.name,
            [
                (b.title, b.publisher.name, sorted(r.rating for r in b.reviews.all()))
                for b in books_of(a)
            ],
        )
        for a in authors
    ]


@prefetch_nested.naive(queries=loop_queries)
def nested_loops(n):
    """Per author a query for the books, per book one for the publisher and one for reviews."""
    return shape(Author.objects.all()[:n], lambda a: a.books.all())


@prefetch_nested.optimized(queries=3)
def nested_prefetch_select_related(n):
    """Three SELECTs: authors; books joined to publishers; reviews of those books."""
    books = Prefetch(
        "books", queryset=Book.objects.select_related("publisher").prefetch_related("reviews")
    )
    return shape(Author.objects.prefetch_related(books)[:n], lambda a: a.books.all())


@prefetch_nested.optimized(queries=4)
def prefetch_lookups(n):
    """prefetch_related("books__publisher", "books__reviews"): one SELECT per level."""
    return shape(
        Author.objects.prefetch_related("books__publisher", "books__reviews")[:n],
        lambda a: a.books.all(),
    )
