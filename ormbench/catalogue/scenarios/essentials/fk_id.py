"""Needing only the author's id: following book.author against reading book.author_id."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

fk_id = Scenario("fk_id")


@fk_id.naive(queries=lambda n: n + 1)
def follow_relation(n):
    """book.author.id loads every author just to read a value the book row already has."""
    return [(b.title, b.author.id) for b in Book.objects.all()[:n]]


@fk_id.optimized(queries=1)
def fk_column(n):
    """book.author_id: the foreign-key column, no extra query."""
    return [(b.title, b.author_id) for b in Book.objects.all()[:n]]
