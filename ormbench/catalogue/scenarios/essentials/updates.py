"""Adding 10 pages to n books: save() in a loop, save(update_fields=...), bulk_update() and
update()."""

from django.db.models import F

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.queries import update_batches
from ormbench.declare.scenario import Correct, Scenario

updates = Scenario(
    "updates",
    writes=True,
    modes=("autocommit", "request"),
    correct=Correct(
        state=lambda n: list(Book.objects.filter(pk__lte=n).values_list("id", "pages", "title"))
    ),
)


@updates.naive(queries={"request": lambda n: 3 + n, "default": lambda n: 1 + n})
def save_loop(n):
    """Load the books, then one UPDATE of every column per book."""
    for book in Book.objects.filter(pk__lte=n):
        book.pages += 10
        book.save()


@updates.optimized(queries={"request": lambda n: 3 + n, "default": lambda n: 1 + n})
def save_update_fields(n):
    """Same loop, but each UPDATE writes only the pages column."""
    for book in Book.objects.filter(pk__lte=n):
        book.pages += 10
        book.save(update_fields=["pages"])


@updates.optimized(queries=lambda n: 3 + update_batches(Book, ["pages"], n, 100))
def bulk_update_100(n):
    """bulk_update(books, ["pages"], batch_size=100): one UPDATE ... CASE per 100 books."""
    books = list(Book.objects.filter(pk__lte=n))
    for book in books:
        book.pages += 10
    Book.objects.bulk_update(books, ["pages"], batch_size=100)


@updates.optimized(queries={"request": 3, "default": 1})
def queryset_update(n):
    """filter(...).update(pages=F("pages") + 10): one UPDATE, computed by the database."""
    Book.objects.filter(pk__lte=n).update(pages=F("pages") + 10)
