"""A data migration that upper-cases n books' language codes: a RunPython loop of save()
against one bulk update.

Each variant is written as a RunPython function takes it, forwards(apps, schema_editor), and
gets its model from `apps`; the benchmark passes the project's app registry.
"""

from django.apps import apps as project_apps
from django.db.models.functions import Upper

from ormbench.declare.queries import update_batches
from ormbench.declare.scenario import Correct, Scenario

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


def bulk_update_forwards(apps, schema_editor, n):
    Book = apps.get_model("models_app", "Book")
    books = list(Book.objects.filter(pk__lte=n).only("language"))
    for book in books:
        book.language = book.language.upper()
    Book.objects.bulk_update(books, ["language"], batch_size=500)


def update_forwards(apps, schema_editor, n):
    Book = apps.get_model("models_app", "Book")
    Book.objects.filter(pk__lte=n).update(language=Upper("language"))


@data_migration.naive(queries={"request": lambda n: 3 + n, "default": lambda n: 1 + n})
def runpython_save_loop(n):
    """for book in Book.objects...: book.save(): one UPDATE per row."""
    loop_forwards(project_apps, None, n)


def bulk_update_batches(n):
    return update_batches(project_apps.get_model("models_app", "Book"), ["language"], n, 500)


@data_migration.optimized(queries=lambda n: 3 + bulk_update_batches(n))
def runpython_bulk_update(n):
    """bulk_update(books, ["language"], batch_size=500): one UPDATE ... CASE per 500 rows."""
    bulk_update_forwards(project_apps, None, n)


@data_migration.optimized(queries={"request": 3, "default": 1})
def runpython_queryset_update(n):
    """update(language=Upper("language")): the database does it in one statement."""
    update_forwards(project_apps, None, n)
