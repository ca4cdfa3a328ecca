"""The first n books that have a five-star review, each with its number of five-star reviews:
filter() across the counted relation before annotate() against after it, the case where the
order changes the SQL and the meaning.

Before annotate(), filter(reviews__rating=5) restricts the very join the Count() reads: one JOIN,
five-star reviews counted. After it, Django adds a second JOIN of reviews for the filter, and the
Count() reads the first one: every review of the book, once per five-star review, is counted.
`recorded.wrong_counts` says how many books came back with a count other than the true one
(`Correct.record`, read against the reference's answer outside the timing). The naive variant
is wrong by design, so the reference is `filter_then_annotate`; Count(filter=Q(...)) gets the
same answer in another way, a conditional aggregate over every review of the n books.
`annotate_position` shows the other case: a filter of the book's own columns, where the order
changes nothing.
"""

from django.db.models import Count, Q

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Correct, Scenario


def true_counts(n):
    books = Book.objects.filter(pk__lte=n, reviews__rating=5).annotate(five_star=Count("reviews"))
    return dict(books.values_list("id", "five_star"))


def wrong_counts(n, result):
    truth = true_counts(n)
    answered = dict(result)
    return {"wrong_counts": sum(answered.get(book) != count for book, count in truth.items())}


annotate_across = Scenario(
    "annotate_across",
    correct=Correct(reference="filter_then_annotate", record=wrong_counts),
)


@annotate_across.naive(queries=1)
def annotate_then_filter(n):
    """annotate(five_star=Count("reviews")).filter(reviews__rating=5): two JOINs, and the count
    is of every review times the five-star ones."""
    books = (
        Book.objects.filter(pk__lte=n)
        .annotate(five_star=Count("reviews"))
        .filter(reviews__rating=5)
        .order_by("id")
    )
    return list(books.values_list("id", "five_star"))


@annotate_across.optimized(queries=1)
def filter_then_annotate(n):
    """filter(reviews__rating=5).annotate(five_star=Count("reviews")): one JOIN, restricted by
    the filter, which the count reads."""
    books = (
        Book.objects.filter(pk__lte=n, reviews__rating=5)
        .annotate(five_star=Count("reviews"))
        .order_by("id")
    )
    return list(books.values_list("id", "five_star"))


@annotate_across.optimized(queries=1)
def filtered_count(n):
    """annotate(five_star=Count("reviews", filter=Q(reviews__rating=5))).filter(five_star__gt=0):
    one JOIN of every review, counted conditionally, the books without one left out by HAVING."""
    books = (
        Book.objects.filter(pk__lte=n)
        .annotate(five_star=Count("reviews", filter=Q(reviews__rating=5)))
        .filter(five_star__gt=0)
        .order_by("id")
    )
    return list(books.values_list("id", "five_star"))
