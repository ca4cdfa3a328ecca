"""Following a two-level chain, book -> author -> agent: lazy loads against select_related."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Requires, Scenario

fk_chain = Scenario("fk_chain")


@fk_chain.naive(queries=lambda n: 1 + 2 * n)
def lazy_chain(n):
    """One SELECT for the books, then per book one for its author and one for the agent."""
    return [(b.title, b.author.name, b.author.agent.name) for b in Book.objects.all()[:n]]


@fk_chain.optimized(queries=lambda n: 1 + n)
def select_related_one_level(n):
    """select_related("author"): the author comes joined, the agent still costs a query each."""
    return [
        (b.title, b.author.name, b.author.agent.name)
        for b in Book.objects.select_related("author")[:n]
    ]


@fk_chain.optimized(queries=1)
def select_related_chain(n):
    """select_related("author__agent"): one SELECT with two JOINs."""
    return [
        (b.title, b.author.name, b.author.agent.name)
        for b in Book.objects.select_related("author__agent")[:n]
    ]


@fk_chain.optimized(queries=3, applies=Requires(django=">=6.1"))
def fetch_peers(n):
    """fetch_mode(FETCH_PEERS) (Django 6.1): one query for all the authors on first access,
    and, since the mode passes to the objects it fetches, one for all their agents."""
    from django.db import models

    books = Book.objects.fetch_mode(models.FETCH_PEERS)[:n]
    return [(b.title, b.author.name, b.author.agent.name) for b in books]
