"""n books of 100 pages or more, each with its author's name and its tags: lazy access in a
loop against select_related, prefetch_related and filter together on one queryset.

The loop sends one query per book for its author and one for its tags (2n + 1). Together,
select_related("author") joins the authors into the filtered SELECT and prefetch_related("tags")
adds one query for all the tags: two queries whatever n is. What to take from it: the three
compose; the filter applies to the books and the prefetch follows only the books fetched.
"""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

combined_relations = Scenario("combined_relations")


def described(books):
    return [(b.title, b.author.name, [t.name for t in b.tags.all()]) for b in books]


@combined_relations.naive(queries=lambda n: 1 + 2 * n)
def lazy_loop(n):
    """One SELECT for the books, then per book one for its author and one for its tags."""
    return described(Book.objects.filter(pages__gte=100)[:n])


@combined_relations.optimized(queries=2)
def select_prefetch_filter(n):
    """filter(pages__gte=100).select_related("author").prefetch_related("tags")[:n]."""
    books = Book.objects.filter(pages__gte=100).select_related("author").prefetch_related("tags")
    return described(books[:n])
