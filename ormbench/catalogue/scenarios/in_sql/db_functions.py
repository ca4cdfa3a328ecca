"""For the first n books: the title in lower case, its length and the month of publication,
computed in Python on whole rows against Lower(), Length() and TruncMonth() in the SELECT.

What to take from it: the database functions are not free, but they let the query return only
the computed columns; the Python version pays for every column of every row. The gain is the
narrower row more than the function, and it is modest: use them where the result feeds a
filter, an ordering or a GROUP BY, which Python cannot do without fetching everything.
"""

from django.db.models.functions import Length, Lower, TruncMonth

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

db_functions = Scenario("db_functions")


@db_functions.naive(queries=1)
def python_functions(n):
    """Whole rows fetched; lower(), len() and the first of the month computed in Python."""
    return [
        (b.id, b.title.lower(), len(b.title), b.published.replace(day=1))
        for b in Book.objects.filter(pk__lte=n)
    ]


@db_functions.optimized(queries=1)
def database_functions(n):
    """values_list("id", Lower("title"), Length("title"), TruncMonth("published"))."""
    rows = Book.objects.filter(pk__lte=n).values_list(
        "id", Lower("title"), Length("title"), TruncMonth("published")
    )
    return list(rows)
