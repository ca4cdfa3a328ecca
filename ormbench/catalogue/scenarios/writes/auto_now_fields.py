"""Raising the score of n articles whose `updated` is auto_now: save(update_fields=[...])
without it leaves the timestamp stale, QuerySet.update() never sets it; naming it, or setting it
in the update, keeps it right.

auto_now is applied by save() alone, and with update_fields only when the field is listed;
update() and bulk_update() skip it. `recorded.stale_timestamps` counts the articles whose
`updated` was not moved. The naive variant is wrong by design, so the reference is
`update_fields_with_updated`. The clock is fixed during the call (django.utils.timezone.now,
which auto_now reads), so every variant writes the same timestamp and their effects compare."""

import contextlib
import datetime as dt

from django.db.models import F
from django.utils import timezone

from ormbench.catalogue.models_app.models import Article
from ormbench.declare.scenario import Correct, Scenario

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # after every `updated` of the dataset


@contextlib.contextmanager
def fixed_clock():
    real = timezone.now
    timezone.now = lambda: NOW
    try:
        yield
    finally:
        timezone.now = real


def stale_timestamps(n, result):
    return {"stale_timestamps": Article.objects.filter(pk__lte=n).exclude(updated=NOW).count()}


auto_now_fields = Scenario(
    "auto_now_fields",
    sizes=(10, 100),  # one UPDATE per article: n=100 shows it
    n_of="articles",
    writes=True,
    correct=Correct(
        reference="update_fields_with_updated",
        state=lambda n: list(
            Article.objects.filter(pk__lte=n).values_list("pk", "score", "updated")
        ),
        record=stale_timestamps,
    ),
)


def raise_scores(n, **save):
    with fixed_clock():
        for article in Article.objects.filter(pk__lte=n):
            article.score += 1
            article.save(**save)


@auto_now_fields.naive(queries=lambda n: 1 + n)
def update_fields_only(n):
    """save(update_fields=["score"]): a narrow UPDATE, and `updated` left as it was."""
    raise_scores(n, update_fields=["score"])


@auto_now_fields.optimized(queries=lambda n: 1 + n)
def update_fields_with_updated(n):
    """save(update_fields=["score", "updated"]): auto_now sets the field because it is named."""
    raise_scores(n, update_fields=["score", "updated"])


@auto_now_fields.optimized(queries=lambda n: 1 + n)
def save_every_column(n):
    """save(): auto_now applies, and every one of the thirteen columns is written again."""
    raise_scores(n)


@auto_now_fields.optimized(queries=1)
def queryset_update_with_now(n):
    """update(score=F("score") + 1, updated=timezone.now()): one UPDATE; update() skips
    auto_now, so the timestamp is set by hand."""
    with fixed_clock():
        Article.objects.filter(pk__lte=n).update(score=F("score") + 1, updated=timezone.now())
