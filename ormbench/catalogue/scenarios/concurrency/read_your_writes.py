"""n times: update a counter on the primary, then read it back at once, through the guides'
router (to the replica) against pinned to the primary.

Replication is asynchronous: a commit on the primary reaches the replica a moment later. A read
routed there right after the write can return the old value: `recorded.stale_reads` counts
them, a correctness figure like counter_race's lost updates (the primary-pinned read is the
reference and never stale; five calls on the direct connection, as the timed rounds run).
`observed.replica_lag_ms` is how long the replica took to show the last write, polled after the
checked call, outside any timing. What to take from it: after a write, read what the user
just changed from the primary (`using("default")`, or a router that pins the request to the
primary once it wrote).
"""

import time

from django.db import connections

from ormbench.catalogue.models_app.models import Counter
from ormbench.catalogue.models_app.routers import reads_from_replica
from ormbench.declare.scenario import Correct, Observed, Requires, Scenario

COUNTER = "counter-2"
LAG_POLL_SECONDS = 0.0005
last_call = {"stale_reads": 0}  # what the variant saw, read by `record` after it


def stale_reads(n, result):
    return dict(last_call)


read_your_writes = Scenario(
    "read_your_writes",
    sizes=(10, 100),
    n_of=None,  # n writes of one counter
    writes=True,
    correct=Correct(reference="primary_read", record=stale_reads),
    applies=Requires(
        vendors=("postgresql", "mysql"),
        replica=True,
        why="SQLite has no replica: one file, one server-less process",
    ),
)


def write_then_read(n, read):
    seen = []
    for value in range(1, n + 1):
        Counter.objects.filter(name=COUNTER).update(value=value)
        seen.append(read())
    last_call["stale_reads"] = sum(got != want for got, want in enumerate(seen, start=1))
    return Observed(seen, {"replica_lag_ms": lambda: lag_ms(n)})  # read after the call


def lag_ms(value):
    """How long after the loop the replica shows the last write, polled after the checked call
    (never inside a timed one) on the driver's own connection."""
    started = time.perf_counter()
    replica = connections["replica"]
    replica.ensure_connection()
    cursor = replica.connection.cursor()  # the driver's, on every vendor: not in Django's log
    while True:
        cursor.execute("SELECT value FROM models_app_counter WHERE name = %s", [COUNTER])
        if cursor.fetchone()[0] == value:
            return round(1000 * (time.perf_counter() - started), 2)
        time.sleep(LAG_POLL_SECONDS)


def read_routed():
    with reads_from_replica():
        return Counter.objects.get(name=COUNTER).value


def read_primary():
    return Counter.objects.using("default").get(name=COUNTER).value


@read_your_writes.naive(queries=lambda n: 2 * n)
def router_read(n):
    """The read goes where the router sends every read: the replica, maybe not there yet."""
    return write_then_read(n, read_routed)


@read_your_writes.optimized(queries=lambda n: 2 * n)
def primary_read(n):
    """The read pinned to the primary, which has the write: never stale."""
    return write_then_read(n, read_primary)
