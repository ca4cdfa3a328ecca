"""Deleting n authors with their books under CASCADE: Django's collector, once per author or once
for all, against the database's own ON DELETE CASCADE.

The books' foreign key has `ON DELETE CASCADE` in the database (Django 6.1 declares it as
`on_delete=models.DB_CASCADE`; before 6.1 a migration writes it, and the model says DO_NOTHING).
With CASCADE, Django deletes the books itself first: a DELETE per author, or per batch of ids
with QuerySet.delete(). With the database's rule, Django sends one DELETE of the authors and
the database removes the books inside it. What to take from it: QuerySet.delete() is the big
win; the database rule saves the remaining statements but skips Django's pre_delete and
post_delete signals for the books, and any Python-level on_delete below them.
"""

from ormbench.catalogue.models_app import models
from ormbench.catalogue.models_app.models import CascadeAuthor, CascadeBook, DatabaseCascadeAuthor
from ormbench.declare.queries import delete_batches
from ormbench.declare.scenario import Correct, Requires, Scenario

on_delete_cascade = Scenario(
    "on_delete_cascade",
    n_of="on_delete_authors",
    writes=True,
    correct=Correct(state=lambda n: (CascadeAuthor.objects.count(), CascadeBook.objects.count())),
)


@on_delete_cascade.naive(queries=lambda n: 1 + 4 * n)
def delete_each(n):
    """author.delete() per author: BEGIN, DELETE its books, DELETE the author, COMMIT."""
    for author in CascadeAuthor.objects.filter(pk__lte=n):
        author.delete()


def collector_queries(n):
    """SELECT the authors, BEGIN, DELETE the books per batch of ids, the authors per chunk of
    100, COMMIT."""
    related, own = delete_batches(CascadeAuthor, n)
    return 3 + related + own


@on_delete_cascade.optimized(queries=collector_queries)
def queryset_delete(n):
    """QuerySet.delete() with CASCADE: Django collects the authors and deletes the books first."""
    CascadeAuthor.objects.filter(pk__lte=n).delete()


@on_delete_cascade.optimized(queries=3)
def database_on_delete(n):
    """DO_NOTHING in Django, ON DELETE CASCADE in the table: one DELETE of the authors (in
    BEGIN ... COMMIT); the database deletes their books inside it."""
    DatabaseCascadeAuthor.objects.filter(pk__lte=n).delete()


@on_delete_cascade.optimized(queries=3, applies=Requires(django=">=6.1"))
def db_cascade(n):
    """on_delete=models.DB_CASCADE (Django 6.1): the same single DELETE, declared on the model."""
    models.DeclaredCascadeAuthor.objects.filter(pk__lte=n).delete()
