"""The first n books in one language, from a helper that hands out every book: one that returns
list(queryset), filtered again in Python by the caller, against one that returns the queryset,
which the caller narrows in SQL.

A queryset runs no query until it is iterated, so a helper that returns one lets each caller add
its filter() and its slice, and the database sends only those rows. Once evaluated (list(),
len(), a loop, bool()), it is a list: every later narrowing happens in Python, after every row
was fetched and built. Here the early list costs the same whatever n; the lazy queryset grows
with n."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

LANGUAGE = "en"  # one book in twelve

trap_early_list = Scenario("trap_early_list")


def every_book_listed():
    """The helper as written for convenience: evaluated on the spot."""
    return list(Book.objects.order_by("pk"))


def every_book():
    """The same helper, lazy."""
    return Book.objects.order_by("pk")


@trap_early_list.naive(queries=1)
def evaluated_early(n):
    """list(queryset) in the helper: every book fetched and built, then filtered in Python."""
    return [b.title for b in every_book_listed() if b.language == LANGUAGE][:n]


@trap_early_list.optimized(queries=1)
def kept_lazy(n):
    """The helper's queryset narrowed by the caller: WHERE language = 'en' LIMIT n."""
    return [b.title for b in every_book().filter(language=LANGUAGE)[:n]]
