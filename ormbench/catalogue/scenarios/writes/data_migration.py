"""A data migration that upper-cases n books' language codes: a RunPython loop of save() against
bulk_update() in batches of keys and one UPDATE.

Each variant is written as a RunPython function takes it, forwards(apps, schema_editor), and gets
its model from `apps`: the historical models, built from the migration files
(`ormbench.catalogue.historical`), as `migrate` passes them; rendering them is done once, outside
the timing, as `migrate` does once per command. The batched variant reads and writes BATCH rows
at a time by key range, as Django's documentation batches bulk_update() (ticket #36526): memory
stays bounded on a table of any size, for one SELECT and one UPDATE per batch.
"""

import math

from django.apps import apps as project_apps
from django.db.models.functions import Upper

from ormbench.catalogue.historical import migration_state
from ormbench.declare.scenario import Correct, Scenario

BATCH = 250  # rows read and written at a time: n=1000 at scale s takes four batches

data_migration = Scenario(
    "data_migration",
    writes=True,
    modes=("autocommit", "request"),
    correct=Correct(
        state=lambda n: list(
            project_apps.get_model("models_app", "Book")
            .objects.filter(pk__lte=n)
            .values_list("id", "language")
        )
    ),
)


def loop_forwards(apps, schema_editor, n):
    Book = apps.get_model("models_app", "Book")
    for book in Book.objects.filter(pk__lte=n):
        book.language = book.language.upper()
        book.save(update_fields=["language"])


def batched_forwards(apps, schema_editor, n):
    Book = apps.get_model("models_app", "Book")
    for start in range(0, n, BATCH):
        books = list(
            Book.objects.filter(pk__gt=start, pk__lte=min(start + BATCH, n)).only("language")
        )
        for book in books:
            book.language = book.language.upper()
        Book.objects.bulk_update(books, ["language"])


def update_forwards(apps, schema_editor, n):
    Book = apps.get_model("models_app", "Book")
    Book.objects.filter(pk__lte=n).update(language=Upper("language"))


def batches(n):
    return math.ceil(n / BATCH)


@data_migration.naive(queries={"request": lambda n: 3 + n, "default": lambda n: 1 + n})
def runpython_save_loop(n):
    """for book in Book.objects...: book.save(): one UPDATE per row."""
    loop_forwards(migration_state().apps, None, n)


# Per batch its SELECT and its UPDATE, which bulk_update() wraps in a transaction of its own
# (BEGIN and COMMIT) unless the request's transaction is open.
@data_migration.optimized(
    queries={"request": lambda n: 2 + 2 * batches(n), "default": lambda n: 4 * batches(n)}
)
def runpython_bulk_update_batches(n):
    """bulk_update() of 250 books at a time, read by key range: one SELECT and one
    UPDATE ... CASE per batch."""
    batched_forwards(migration_state().apps, None, n)


@data_migration.optimized(queries={"request": 3, "default": 1})
def runpython_queryset_update(n):
    """update(language=Upper("language")): the database does it in one statement."""
    update_forwards(migration_state().apps, None, n)
