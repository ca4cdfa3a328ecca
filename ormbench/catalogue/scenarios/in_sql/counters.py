"""Counting a view of n books: Python read-modify-write against an F() expression update."""

from django.db.models import F

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Correct, Scenario

counters = Scenario(
    "counters",
    writes=True,
    correct=Correct(
        state=lambda n: list(Book.objects.filter(pk__lte=n).values_list("id", "view_count"))
    ),
)


@counters.naive(queries=lambda n: 1 + n)
def read_modify_write(n):
    """Read each book, add one in Python, write the new value back."""
    for book in Book.objects.filter(pk__lte=n):
        book.view_count += 1
        book.save(update_fields=["view_count"])


@counters.optimized(queries=1)
def f_expression(n):
    """update(view_count=F("view_count") + 1): the database adds, in one statement."""
    Book.objects.filter(pk__lte=n).update(view_count=F("view_count") + 1)
