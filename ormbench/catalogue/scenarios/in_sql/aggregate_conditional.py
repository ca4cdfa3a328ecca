"""Books per language among the first n: one count() per language against one conditional
aggregate, Count("id", filter=Q(...))."""

from django.db.models import Count, Q

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

LANGUAGES = ("en", "fr", "de", "es", "it", "ja")
aggregate_conditional = Scenario("aggregate_conditional")


@aggregate_conditional.naive(queries=len(LANGUAGES))
def count_per_language(n):
    """One COUNT query per language."""
    books = Book.objects.filter(pk__lte=n)
    return {lang: books.filter(language=lang).count() for lang in LANGUAGES}


@aggregate_conditional.optimized(queries=1)
def conditional_aggregate(n):
    """aggregate(**{lang: Count("id", filter=Q(language=lang))}): one pass over the rows."""
    return Book.objects.filter(pk__lte=n).aggregate(
        **{lang: Count("id", filter=Q(language=lang)) for lang in LANGUAGES}
    )
