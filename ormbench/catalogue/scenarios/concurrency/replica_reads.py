"""n reads of a book with its author while a writer keeps committing on the primary: on the
primary, against the replica through the guides' PrimaryReplicaRouter (PostgreSQL streaming
replication, MariaDB's binary-log replication).

The writer runs for the whole of each variant's block of calls (`around`: started, in its
stride, and stopped outside the timing), so the time is the n reads' alone; `observed` gives
the slowest single read and what the writer managed meanwhile, in the last timed call (the
checked one reads the primary through the round-trip proxy, which would favour the replica). On this
machine both servers share the same two cores, so the replica cannot add capacity here: what
shows is the cost of the other connection and of a replica replaying the primary's log while
it answers.
What to take from it: a replica moves read load off the primary; it does not make a read
faster, and every read there may be stale (see read_your_writes). Measure on separate hosts
before counting on the capacity.
"""

import contextlib
import time

from ormbench.catalogue.models_app.models import Book
from ormbench.catalogue.models_app.routers import reads_from_replica
from ormbench.catalogue.writer import Writer, busy_writer
from ormbench.declare.scenario import Observed, Requires, Scenario

WRITER_ROWS = 5  # rows per write of the writer on the primary

replica_reads = Scenario(
    "replica_reads",
    sizes=(10, 100),  # the writer deletes what it inserted when stopped: the call only reads
    applies=Requires(
        vendors=("postgresql", "mysql"),
        replica=True,
        why="SQLite has no replica: one file, one server-less process",
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


running: dict[str, Writer] = {}  # the writer of the block under way (`writing`)


@contextlib.contextmanager
def writing():
    """The primary busy with a writer in its stride, for a block of calls."""
    with busy_writer(WRITER_ROWS) as writer:
        running["writer"] = writer
        try:
            yield
        finally:
            running.clear()


def under_load(n, routed):
    start = time.perf_counter()
    if routed:
        with reads_from_replica():
            result, slowest = timed_reads(n)
    else:
        result, slowest = timed_reads(n)
    end = time.perf_counter()
    writer = running["writer"]
    return Observed(
        result, {"slowest_read_ms": round(1000 * slowest, 2), **writer.during(start, end)}
    )


@replica_reads.naive(queries=lambda n: n, around=writing)
def on_primary(n):
    """Every read on the primary, beside the writer."""
    return under_load(n, routed=False)


@replica_reads.optimized(queries=lambda n: n, around=writing)
def on_replica(n):
    """Every read routed to the replica (db_for_read), writes still on the primary."""
    return under_load(n, routed=True)
