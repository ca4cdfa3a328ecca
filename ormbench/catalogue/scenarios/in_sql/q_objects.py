"""English or French books, or long ones, that are not poetry, among the first n: the
condition in Python against Q(...) | Q(...) and ~Q(...) in one filter.

What to take from it: OR and NOT need no loop and no second query. Q objects combine into
one WHERE clause, and ~Q becomes NOT (...), which on a nullable column also excludes NULLs
(none here). `q_or_not` builds the same model instances as the loop, so its figure is the
filter's own effect; `q_or_not_values_list` also fetches only the two columns shown.
"""

from django.db.models import Q

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

q_objects = Scenario("q_objects")
LANGUAGES = ("en", "fr")


@q_objects.naive(queries=1)
def python_condition(n):
    """Every book fetched; the OR and the NOT evaluated in Python."""
    return [
        (b.id, b.title)
        for b in Book.objects.filter(pk__lte=n)
        if (b.language in LANGUAGES or b.pages > 1000) and b.genre != "poetry"
    ]


def _matching(n):
    return Book.objects.filter(
        Q(language__in=LANGUAGES) | Q(pages__gt=1000), ~Q(genre="poetry"), pk__lte=n
    )


@q_objects.optimized(queries=1)
def q_or_not(n):
    """filter(Q(language__in=...) | Q(pages__gt=1000), ~Q(genre="poetry")): one WHERE, the
    same instances built."""
    return [(b.id, b.title) for b in _matching(n)]


@q_objects.optimized(queries=1)
def q_or_not_values_list(n):
    """The same WHERE, and only the two columns shown, as tuples."""
    return list(_matching(n).values_list("id", "title"))
