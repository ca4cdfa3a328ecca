"""Two writers changing different fields of one book, n times each: save() against
save(update_fields=[...]), the race the guides warn about.

Each writer reads the book, changes its own field and saves. A plain save() writes every
column, so it puts back the other writer's field as it read it: that writer's last change is
lost. save(update_fields=["title"]) writes only the title, and the changes never collide.
`recorded.lost_changes` counts the changes a writer found gone on its next read: a correctness
figure, like lost_updates in counter_race. The naive variant is wrong by design; the reference
is update_fields. Each thread uses its own connection (declared 0 queries on the main one).
"""

import functools
import threading

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Correct, Requires, Scenario
from ormbench.declare.threads import at_once, clients

BOOK = 1
CLIENTS = functools.partial(clients, 2)  # the writers, up before the calls
lost = {"changes": 0}


def race(n, update_fields):
    """Two threads, one per field; counts the changes a writer found undone."""
    lock = threading.Lock()
    lost["changes"] = 0

    def writer(field, value_of):
        previous = None
        for i in range(n):
            book = Book.objects.get(pk=BOOK)
            if previous is not None and getattr(book, field) != previous:
                with lock:
                    lost["changes"] += 1
            previous = value_of(i)
            setattr(book, field, previous)
            book.save(update_fields=[field] if update_fields else None)

    at_once(
        lambda: writer("title", lambda i: f"race title {i}"),
        lambda: writer("pages", lambda i: 5_000 + i),
    )


update_fields_race = Scenario(
    "update_fields_race",
    sizes=(10, 100),
    n_of=None,  # n changes per writer, of one book
    writes=True,
    correct=Correct(
        reference="update_fields",
        state=lambda n: list(Book.objects.filter(pk=BOOK).values_list("title", "pages")),
        record=lambda n, result: {"lost_changes": lost["changes"]},
    ),
    applies=Requires(
        vendors=("postgresql", "mysql"),
        why="SQLite serialises writers: concurrent saves fail with 'database is locked'",
    ),
)


@update_fields_race.naive(queries=0, around=CLIENTS)
def full_save(n):
    """get(), change one field, save(): every column written, the other writer's included."""
    race(n, update_fields=False)


@update_fields_race.optimized(queries=0, around=CLIENTS)
def update_fields(n):
    """get(), change one field, save(update_fields=[field]): only that column written."""
    race(n, update_fields=True)
