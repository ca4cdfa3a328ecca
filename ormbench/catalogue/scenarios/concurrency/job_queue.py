"""A queue of n jobs drained by four workers, each claiming one job at a time: a read then an
update with no lock, select_for_update() that waits, and select_for_update(skip_locked=True).

Correctness comes first: `recorded.claimed_twice` counts jobs that two workers both took (and
would both have run). Without a lock, two workers that read the same oldest job both claim it.
select_for_update() claims each job once, but every worker queues for the lock on the same
oldest row, so they take turns. skip_locked=True lets each worker take the oldest row nobody
holds: the workers run side by side. That is the reference; each worker uses its own connection
(queries are not counted on the main one, declared 0), open before the calls (`clients`).
"""

import functools

from django.db import OperationalError, transaction
from django.db.models import F

from ormbench.catalogue.models_app.models import Job
from ormbench.declare.scenario import Correct, Requires, Scenario
from ormbench.declare.threads import at_once, clients

WORKERS = 4
CLIENTS = functools.partial(clients, WORKERS)  # up before the calls
QUEUED, DONE = "queued", "done"
DEADLOCK_RETRIES = 5


def drain(claim, n):
    """Run WORKERS threads that call claim(n) until it says the queue is empty."""

    def work():
        while claim(n):
            pass

    at_once(*[work] * WORKERS)


def queued(n):
    return Job.objects.filter(status=QUEUED, pk__lte=n).order_by("pk")


def finish(pk):
    Job.objects.filter(pk=pk).update(status=DONE, claims=F("claims") + 1)


def claims(n, result):
    jobs = Job.objects.filter(pk__lte=n)
    return {"claimed_twice": jobs.filter(claims__gt=1).count(), "left": queued(n).count()}


job_queue = Scenario(
    "job_queue",
    n_of="jobs",
    writes=True,
    correct=Correct(reference="skip_locked", record=claims),
    applies=Requires(
        vendors=("postgresql", "mysql"),
        why="SQLite has no row locks (select_for_update is a no-op): one writer at a time",
    ),
)


def claim_unlocked(n):
    pk = queued(n).values_list("pk", flat=True).first()
    if pk is None:
        return False
    finish(pk)
    return True


def claim_waiting(n):
    """One claim; a worker the database chose as a deadlock's victim (InnoDB: "try restarting
    transaction", seen once in a run at n=100: workers locking queued rows through the status
    index and the key in different orders) tries again, as a queue's worker does."""
    for _ in range(DEADLOCK_RETRIES):
        try:
            return claim_waiting_once(n)
        except OperationalError as exc:
            if "deadlock" not in str(exc).lower():
                raise
    return claim_waiting_once(n)


def claim_waiting_once(n):
    with transaction.atomic():
        job = queued(n).select_for_update().first()
        if job is not None:
            finish(job.pk)
            return True
    # PostgreSQL re-checks a row it waited for: if another worker finished it meanwhile, the
    # query returns nothing even though later jobs are queued. Look again.
    return queued(n).exists()


def claim_skipping(n):
    with transaction.atomic():
        job = queued(n).select_for_update(skip_locked=True).first()
        if job is None:
            return False  # nothing queued, or the rest is held by workers that will finish it
        finish(job.pk)
        return True


@job_queue.naive(queries=0, around=CLIENTS)
def no_lock(n):
    """Read the oldest queued job, then UPDATE it to done: two workers can take the same one."""
    drain(claim_unlocked, n)


@job_queue.optimized(queries=0, around=CLIENTS)
def for_update_waits(n):
    """select_for_update() in atomic(): each job claimed once, the workers queue for one row."""
    drain(claim_waiting, n)


@job_queue.optimized(queries=0, around=CLIENTS)
def skip_locked(n):
    """select_for_update(skip_locked=True): each worker takes the oldest job nobody holds."""
    drain(claim_skipping, n)
