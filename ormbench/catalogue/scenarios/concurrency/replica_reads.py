"""n reads of a book with its author while a writer keeps committing on the primary: on the
primary, against the streaming replica through the guides' PrimaryReplicaRouter.

The time is the n reads' plus the writer's start and stop (a few milliseconds, the same for
both variants); `observed` gives the slowest single read and what the writer managed meanwhile.
On this machine both servers share the same two cores, so the replica cannot add capacity here:
what shows is the cost of the other connection and of a standby replaying WAL while it answers.
What to take from it: a replica moves read load off the primary; it does not make a read
faster, and every read there may be stale (see read_your_writes). Measure on separate hosts
before counting on the capacity.
"""

import time

from ormbench.catalogue.models_app.models import Book
from ormbench.catalogue.models_app.routers import reads_from_replica
from ormbench.catalogue.writer import busy_writer
from ormbench.declare.scenario import Observed, Requires, Scenario

WRITER_ROWS = 5  # rows per write of the writer on the primary

replica_reads = Scenario(
    "replica_reads",
    sizes=(10, 100),
    writes=True,  # the writer commits (and deletes what it inserted): the harness checks it
    applies=Requires(
        vendors=("postgresql",),
        replica=True,
        why="the suite starts a streaming replica for PostgreSQL only",
    ),
)


def timed_reads(n):
    out, slowest = [], 0.0
    for pk in range(1, n + 1):
        started = time.perf_counter()
        book = Book.objects.select_related("author").get(pk=pk)
        slowest = max(slowest, time.perf_counter() - started)
        out.append((book.title, book.author.name))
    return out, slowest


def under_load(n, routed):
    with busy_writer(WRITER_ROWS) as writer:
        start = time.perf_counter()
        if routed:
            with reads_from_replica():
                result, slowest = timed_reads(n)
        else:
            result, slowest = timed_reads(n)
        end = time.perf_counter()
    return Observed(
        result, {"slowest_read_ms": round(1000 * slowest, 2), **writer.during(start, end)}
    )


@replica_reads.naive(queries=lambda n: n)
def on_primary(n):
    """Every read on the primary, beside the writer."""
    return under_load(n, routed=False)


@replica_reads.optimized(queries=lambda n: n)
def on_replica(n):
    """Every read routed to the replica (db_for_read), writes still on the primary."""
    return under_load(n, routed=True)
