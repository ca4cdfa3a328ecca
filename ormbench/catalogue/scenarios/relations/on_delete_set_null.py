"""Deleting n authors whose books stay, orphaned, under SET_NULL: author.delete() per author
against one QuerySet.delete().

Django sets the books' author to NULL itself, with an UPDATE before the authors' DELETE: per
author in the loop, per batch of ids in QuerySet.delete(). What to take from it: SET_NULL costs
an UPDATE of every child row, and the loop pays it once per parent.
"""

from ormbench.catalogue.models_app.models import SetNullAuthor, SetNullBook
from ormbench.declare.queries import delete_batches
from ormbench.declare.scenario import Correct, Scenario

on_delete_set_null = Scenario(
    "on_delete_set_null",
    n_of="on_delete_authors",
    writes=True,
    correct=Correct(
        state=lambda n: (
            SetNullAuthor.objects.count(),
            SetNullBook.objects.count(),
            SetNullBook.objects.filter(author__isnull=True).count(),
        )
    ),
)


@on_delete_set_null.naive(queries=lambda n: 1 + 4 * n)
def delete_each(n):
    """author.delete() per author: BEGIN, UPDATE its books' author to NULL, DELETE, COMMIT."""
    for author in SetNullAuthor.objects.filter(pk__lte=n):
        author.delete()


def collector_queries(n):
    """SELECT the authors, BEGIN, one UPDATE of the books (Django ORs the batches' conditions
    together), the authors' DELETE per chunk of 100, COMMIT."""
    return 4 + delete_batches(SetNullAuthor, n)[1]


@on_delete_set_null.optimized(queries=collector_queries)
def queryset_delete(n):
    """QuerySet.delete(): one UPDATE of the books, the authors' DELETE per chunk of ids."""
    SetNullAuthor.objects.filter(pk__lte=n).delete()
