"""Setting n named counters (10 exist, the rest are new): update_or_create() in a loop against
bulk_create(update_conflicts=True).

MySQL and MariaDB cannot name the conflict target (unique_fields): each backend runs the bulk
variant it supports and the other is skipped with the reason.
"""

from ormbench.catalogue.models_app.models import Counter
from ormbench.declare.queries import bulk_create_queries
from ormbench.declare.scenario import Correct, Requires, Scenario

EXISTING = 10  # counter-1 .. counter-10 are in the dataset


def wanted(n):
    return [Counter(name=f"counter-{i}", value=i) for i in range(1, n + 1)]


def loop_queries(n):
    """Per counter: BEGIN, SELECT ... FOR UPDATE, UPDATE or (savepoint, INSERT, release),
    COMMIT; counts are the same on every backend."""
    updated = min(n, EXISTING)
    return 4 * updated + 6 * (n - updated)


upsert = Scenario(
    "upsert",
    n_of=None,  # counters by name: those beyond the 10 in the dataset are created
    writes=True,
    correct=Correct(
        state=lambda n: list(Counter.objects.order_by("name").values_list("name", "value"))
    ),
)


@upsert.naive(queries=loop_queries)
def update_or_create_loop(n):
    """update_or_create(name=..., defaults={"value": ...}) per counter."""
    for counter in wanted(n):
        Counter.objects.update_or_create(name=counter.name, defaults={"value": counter.value})


@upsert.optimized(
    queries=lambda n: bulk_create_queries(Counter, ["name", "value"], n),
    applies=Requires(features=("supports_update_conflicts_with_target",)),
)
def bulk_upsert_on_name(n):
    """bulk_create(update_conflicts=True, unique_fields=["name"]): INSERT ... ON CONFLICT."""
    Counter.objects.bulk_create(
        wanted(n), update_conflicts=True, unique_fields=["name"], update_fields=["value"]
    )


@upsert.optimized(
    queries=lambda n: bulk_create_queries(Counter, ["name", "value"], n),
    applies=Requires(
        vendors=("mysql",), why="the backend names the conflict target; see bulk_upsert_on_name"
    ),
)
def bulk_upsert_any_key(n):
    """bulk_create(update_conflicts=True): INSERT ... ON DUPLICATE KEY UPDATE (MySQL/MariaDB)."""
    Counter.objects.bulk_create(wanted(n), update_conflicts=True, update_fields=["value"])
