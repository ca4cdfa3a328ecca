"""Whether the first n books have any review, and any review rated above 5 (none has):
`if queryset:` against queryset.exists().

Each call asks both questions, so every check sees a yes and a no: a variant that drops a filter
answers the second one wrong. The cost is in the first: `bool(qs)` loads every review of the
first n books.
"""

from ormbench.catalogue.models_app.models import Review
from ormbench.declare.scenario import Correct, Scenario

trap_truthiness = Scenario(
    "trap_truthiness",
    correct=Correct(
        constant_result="a yes/no question: each call asks one whose answer is yes and one whose "
        "answer is no, at every n"
    ),
)


def questions(n):
    """The yes question (reviews of the first n books) and the no question (rated above 5)."""
    reviewed = Review.objects.filter(book_id__lte=n)
    return reviewed, reviewed.filter(rating__gt=5)


@trap_truthiness.naive(queries=2)
def truth_of_queryset(n):
    """bool(qs) evaluates the whole queryset to learn whether it is empty."""
    return [bool(qs) for qs in questions(n)]


@trap_truthiness.optimized(queries=2)
def exists_query(n):
    """qs.exists(): SELECT 1 ... LIMIT 1."""
    return [qs.exists() for qs in questions(n)]
