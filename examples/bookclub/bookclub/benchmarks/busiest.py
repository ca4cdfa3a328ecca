"""The n members with the most open loans, counted by the database: a single benchmark (one
variant, nothing to compare), still checked for its query count and timed."""

from django.db.models import Count, Q

from bookclub.clubs.models import Member
from ormbench.declare.scenario import Scenario

busiest = Scenario("busiest_members", sizes=(10, 50), n_of=None)


@busiest.naive(queries=1)
def annotate_count(n):
    """One SELECT with a COUNT of open loans per member, ordered by it."""
    members = Member.objects.annotate(
        open_loans=Count("loans", filter=Q(loans__returned=False))
    ).order_by("-open_loans", "id")[:n]
    return [(m.id, m.open_loans) for m in members]
