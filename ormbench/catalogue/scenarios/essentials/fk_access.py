"""Reading each book's author: the N+1 loop against select_related."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Requires, Scenario

fk = Scenario("fk_access")


@fk.naive(queries=lambda n: n + 1)
def lazy_loop(n):
    """One SELECT for the books, then one per book for its author."""
    return [(b.title, b.author.name) for b in Book.objects.all()[:n]]


@fk.optimized(queries=1)
def select_related(n):
    """One SELECT joining books to their authors."""
    return [(b.title, b.author.name) for b in Book.objects.select_related("author")[:n]]


@fk.optimized(queries=2, applies=Requires(django=">=6.1"))
def fetch_peers(n):
    """fetch_mode(FETCH_PEERS) (Django 6.1): the loop unchanged; the first book.author loads
    the authors of every book of the queryset in one query. Its sibling, fetch_mode(RAISE),
    makes the naive loop raise FieldFetchBlocked instead: the guard for development and tests."""
    from django.db import models

    books = Book.objects.fetch_mode(models.FETCH_PEERS)[:n]
    return [(b.title, b.author.name) for b in books]
