"""Creating n reviews while a post_save receiver counts them: save() runs the receiver for
every row, bulk_create() for none.

bulk_create() sends no pre_save or post_save signal, as Django's documentation warns: a count,
a cache or a search index kept up to date by a receiver silently falls behind.
`recorded.signals_missed` says how many new reviews the receiver never saw. The naive variant
is wrong by design, so the reference is `create_each`; `bulk_create_then_count` keeps the
batch's speed and does the receiver's work itself, once for the batch. The receiver is
connected for the call only: the other scenarios' reviews are nobody's business here.
"""

import contextlib

from django.db.models import F
from django.db.models.signals import post_save

from ormbench.catalogue.models_app.models import Counter, Review
from ormbench.catalogue.scenarios.essentials.inserts import FIELDS, new_reviews
from ormbench.declare.queries import bulk_create_queries
from ormbench.declare.scenario import Correct, Scenario

COUNTER = "counter-9"  # in the dataset, at 0; upsert and counter_race use others
RECEIVER = "ormbench-count-reviews"


def count_review(sender, instance, created, **kwargs):
    """The application's receiver: one more review."""
    if created:
        Counter.objects.filter(name=COUNTER).update(value=F("value") + 1)


@contextlib.contextmanager
def receiver_connected():
    post_save.connect(count_review, sender=Review, dispatch_uid=RECEIVER)
    try:
        yield
    finally:
        post_save.disconnect(sender=Review, dispatch_uid=RECEIVER)


def signals_missed(n, result):
    return {"signals_missed": n - Counter.objects.get(name=COUNTER).value}


bulk_create_signals = Scenario(
    "bulk_create_signals",
    sizes=(10, 100),  # a loop of n commits: n=100 shows it, n=1000 would add seconds a run
    n_of=None,  # n new reviews
    writes=True,
    correct=Correct(reference="create_each", record=signals_missed),
)


@bulk_create_signals.naive(queries=lambda n: bulk_create_queries(Review, FIELDS, n))
def bulk_create_alone(n):
    """bulk_create(): one INSERT, and the receiver never runs."""
    with receiver_connected():
        Review.objects.bulk_create(new_reviews(n))


@bulk_create_signals.optimized(queries=lambda n: 2 * n)
def create_each(n):
    """create() per review: an INSERT and the receiver's UPDATE for each."""
    with receiver_connected():
        for review in new_reviews(n):
            review.save()


@bulk_create_signals.optimized(queries=lambda n: bulk_create_queries(Review, FIELDS, n) + 1)
def bulk_create_then_count(n):
    """bulk_create(), then the receiver's work for the whole batch: one UPDATE adding n."""
    with receiver_connected():
        made = Review.objects.bulk_create(new_reviews(n))
        Counter.objects.filter(name=COUNTER).update(value=F("value") + len(made))
