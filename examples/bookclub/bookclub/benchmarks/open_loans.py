"""Listing open loans with their member's name: the N+1 loop against select_related."""

from bookclub.clubs.models import Loan
from ormbench.declare.scenario import Scenario

# n_of=None: n is not bounded by the bookshop's tables; this project sizes its own data.
loans = Scenario("open_loans", sizes=(10, 100), n_of=None)


@loans.naive(queries=lambda n: n + 1)
def lazy_loop(n):
    """One SELECT for the loans, then one per loan for its member."""
    return [(loan.id, loan.member.name) for loan in Loan.objects.order_by("id")[:n]]


@loans.optimized(queries=1)
def select_related(n):
    """One SELECT joining loans to their members."""
    query = Loan.objects.select_related("member").order_by("id")[:n]
    return [(loan.id, loan.member.name) for loan in query]


@loans.optimized(queries=1)
def values_list(n):
    """Only the two columns shown, as tuples."""
    return list(Loan.objects.order_by("id").values_list("id", "member__name")[:n])
