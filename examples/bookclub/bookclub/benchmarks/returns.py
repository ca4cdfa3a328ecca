"""Marking the oldest n open loans returned: save() in a loop against one UPDATE."""

from bookclub.clubs.models import Loan
from ormbench.declare.scenario import Scenario

returns = Scenario("mark_returned", sizes=(10, 100), n_of=None, writes=True)


def _oldest_open(n):
    return Loan.objects.filter(returned=False).order_by("borrowed", "id")[:n]


@returns.naive(queries=lambda n: 1 + n)
def save_loop(n):
    """One SELECT, then one UPDATE of every column per loan."""
    ids = []
    for loan in _oldest_open(n):
        loan.returned = True
        loan.save()
        ids.append(loan.id)
    return sorted(ids)


@returns.optimized(queries=2)
def queryset_update(n):
    """The ids in one SELECT, then one UPDATE of one column."""
    ids = sorted(_oldest_open(n).values_list("id", flat=True))
    Loan.objects.filter(id__in=ids).update(returned=True)
    return ids
