"""n saves inside one transaction, each in a nested atomic() of its own, against the same saves
without the nesting.

A nested atomic() is a SAVEPOINT before the block and a RELEASE SAVEPOINT after it: two more
round trips per save, so 3n + 2 statements instead of n + 2. What to take from it: nest atomic()
where a failure must be undone on its own (a row that may violate a constraint), not around
every save by habit; under latency the savepoints cost as much as the INSERTs.
"""

from django.db import transaction

from ormbench.catalogue.scenarios.writes.transactions import save_reviews, saved_reviews
from ormbench.declare.scenario import Correct, Scenario

savepoints = Scenario(
    "savepoints",
    writes=True,
    n_of=None,
    correct=Correct(state=saved_reviews),
)


@savepoints.naive(queries=lambda n: 3 * n + 2)
def savepoint_each(n):
    """transaction.atomic() around the loop, and one more around each save: a savepoint each."""
    with transaction.atomic():
        for i in range(n):
            with transaction.atomic():
                save_reviews(1, start=i)


@savepoints.optimized(queries=lambda n: n + 2)
def one_atomic_block(n):
    """transaction.atomic() around the loop only: BEGIN, the INSERTs, one COMMIT."""
    with transaction.atomic():
        save_reviews(n)
