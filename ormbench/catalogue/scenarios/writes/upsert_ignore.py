"""Making sure n named counters exist (10 already do): get_or_create() in a loop against
bulk_create(ignore_conflicts=True)."""

from ormbench.catalogue.models_app.models import Counter
from ormbench.declare.queries import bulk_create_queries
from ormbench.declare.scenario import Correct, Requires, Scenario

EXISTING = 10


def loop_queries(n):
    """Per existing counter one SELECT; per new one SELECT, BEGIN, INSERT, COMMIT."""
    found = min(n, EXISTING)
    return found + 4 * (n - found)


upsert_ignore = Scenario(
    "upsert_ignore",
    n_of=None,  # counters by name: those beyond the 10 in the dataset are created
    writes=True,
    correct=Correct(
        state=lambda n: list(Counter.objects.order_by("name").values_list("name", "value"))
    ),
)


@upsert_ignore.naive(queries=loop_queries)
def get_or_create_loop(n):
    """get_or_create(name=...) per counter."""
    for i in range(1, n + 1):
        Counter.objects.get_or_create(name=f"counter-{i}", defaults={"value": 0})


@upsert_ignore.optimized(
    queries=lambda n: bulk_create_queries(Counter, ["name", "value"], n),
    applies=Requires(features=("supports_ignore_conflicts",)),
)
def bulk_create_ignore_conflicts(n):
    """bulk_create(ignore_conflicts=True): one INSERT; rows that exist are left alone."""
    Counter.objects.bulk_create(
        [Counter(name=f"counter-{i}", value=0) for i in range(1, n + 1)], ignore_conflicts=True
    )
