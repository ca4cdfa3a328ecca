"""A writer thread that keeps a table busy while a scenario measures something else (a
migration, reads on a replica): how long each of its writes took is what it reports.

Each write inserts rows into the visit table and updates one existing visit (setting a column to
its own value: a real row write, no change), committing on its own, as an application's writes
do. When stopped it deletes what it inserted, so the table ends as it began whatever the number
of writes, and closes its connection."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

WARM_UP_WRITES = 5  # the writer is in its stride before the measured work starts


class Writer(threading.Thread):
    def __init__(self, rows_per_write: int) -> None:
        super().__init__(name="ormbench-writer")
        self.rows_per_write = rows_per_write
        self.stop = threading.Event()
        self.warm = threading.Event()
        self.writes: list[tuple[float, float]] = []  # (start, seconds) of each write

    def run(self) -> None:
        from django.db import connection
        from django.db.models import F

        from ormbench.catalogue.models_app.models import Visit

        top = None
        try:
            day = Visit.objects.values_list("day", flat=True).first()
            top = Visit.objects.order_by("-pk").values_list("pk", flat=True).first()
            while not self.stop.is_set():
                step = len(self.writes) + 1
                started = time.perf_counter()
                Visit.objects.bulk_create(
                    [Visit(book_id=0, day=day, hits=step) for _ in range(self.rows_per_write)]
                )
                Visit.objects.filter(pk=step).update(hits=F("hits"))
                self.writes.append((started, time.perf_counter() - started))
                if step == WARM_UP_WRITES:
                    self.warm.set()
        finally:
            self.warm.set()
            if top is not None:  # by key range: quick, whatever the table's size
                Visit.objects.filter(pk__gt=top).delete()
            connection.close()

    def during(self, start: float, end: float) -> dict[str, float]:
        """The writes that overlapped [start, end]: the longest one and their rate."""
        seen = [s for t, s in self.writes if t + s >= start and t <= end]
        return {
            "writer_worst_stall_ms": round(1000 * max(seen, default=0.0), 1),
            "writer_writes_per_s": round(len(seen) / (end - start)),
        }


@contextlib.contextmanager
def busy_writer(rows_per_write: int) -> Iterator[Writer]:
    """A writer in its stride for the block; stopped, its rows deleted, after it."""
    writer = Writer(rows_per_write)
    writer.start()
    try:
        writer.warm.wait()
        yield writer
    finally:
        writer.stop.set()
        writer.join()
