"""Four threads incrementing the same counter n times each: read-modify-write loses updates,
F() and select_for_update() do not.

Correctness is the result here: `recorded.lost_updates` says how many increments vanished. The
naive variant is wrong by design, so the reference is `f_update`: every other variant must leave
the counter where it does and lose nothing; the naive one reports what it lost instead of a
speedup. Each thread uses its own connection, so queries are not visible to the harness's count
(declared 0 on the main connection); the threads and their connections are up before the calls
and end after them, as an application server's workers (`clients`, the variants' `around`).
"""

import functools

from django.db import transaction
from django.db.models import F

from ormbench.catalogue.models_app.models import Counter
from ormbench.declare.scenario import Correct, Requires, Scenario
from ormbench.declare.threads import at_once, clients

THREADS = 4
CLIENTS = functools.partial(clients, THREADS)  # up before the calls
COUNTER = "counter-1"


def in_threads(increment, n):
    """Run increment() n times in each of THREADS threads."""

    def work():
        for _ in range(n):
            increment()

    at_once(*[work] * THREADS)


def lost_updates(n, result):
    return {"lost_updates": THREADS * n - Counter.objects.get(name=COUNTER).value}


counter_race = Scenario(
    "counter_race",
    sizes=(10, 100),
    n_of=None,  # n increments per thread, of one counter
    writes=True,
    correct=Correct(reference="f_update", record=lost_updates),
    applies=Requires(
        vendors=("postgresql", "mysql"),
        why="SQLite serialises writers: concurrent increments fail with 'database is locked'",
    ),
)


def read_modify_write():
    counter = Counter.objects.get(name=COUNTER)
    counter.value += 1
    counter.save(update_fields=["value"])


def locked_increment():
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(name=COUNTER)
        counter.value += 1
        counter.save(update_fields=["value"])


def f_increment():
    Counter.objects.filter(name=COUNTER).update(value=F("value") + 1)


@counter_race.naive(queries=0, around=CLIENTS)
def python_increment(n):
    """get(), value += 1, save(): two threads that read the same value write the same value."""
    in_threads(read_modify_write, n)


@counter_race.optimized(queries=0, around=CLIENTS)
def f_update(n):
    """update(value=F("value") + 1): the database serialises the increments; none is lost."""
    in_threads(f_increment, n)


@counter_race.optimized(queries=0, around=CLIENTS)
def select_for_update(n):
    """get() under select_for_update() in atomic(), value += 1, save(): the row lock makes the
    others wait for the COMMIT, so none is lost, at the price of a transaction and a lock wait
    per increment (F() needs neither: use a lock when the new value needs Python)."""
    in_threads(locked_increment, n)
