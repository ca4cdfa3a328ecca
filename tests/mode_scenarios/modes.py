"""Writes that report how they ran: in autocommit, or inside the request transaction."""

from django.db import connection
from django.db.models import F

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Correct, Scenario

modes = Scenario(
    "mode_probe",
    sizes=(5, 10),
    writes=True,
    modes=("autocommit", "request"),
    correct=Correct(
        state=lambda n: list(Book.objects.filter(pk__lte=n).values_list("pages", flat=True))
    ),
)


@modes.naive(queries={"request": 3, "default": 1})
def in_atomic_block(n):
    """Writes, and answers whether it ran inside a transaction."""
    Book.objects.filter(pk__lte=n).update(pages=F("pages") + 1)
    return connection.in_atomic_block


@modes.optimized(queries={"request": 3, "default": 1})
def claims_autocommit(n):
    """The same write, answering "not in a transaction" whatever the mode."""
    Book.objects.filter(pk__lte=n).update(pages=F("pages") + 1)
    return False
