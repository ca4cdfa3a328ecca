"""Book titles, with variants that are wrong on purpose."""

from django.db import connection

from ormbench.catalogue.models_app.models import Book, Counter
from ormbench.declare.scenario import Scenario

wrong = Scenario("wrong_fixture", sizes=(5, 10))


@wrong.naive(queries=1)
def titles(n):
    """The reference: n titles."""
    return [b.title for b in Book.objects.all()[:n]]


@wrong.optimized(queries=1)
def off_by_one(n):
    """Returns one title too few: other data than the naive variant."""
    return [b.title for b in Book.objects.all()[: n - 1]]


@wrong.optimized(queries=5)
def miscounted(n):
    """Right data, but declares 5 queries and issues 1."""
    return list(Book.objects.values_list("title", flat=True)[:n])


@wrong.optimized(queries=1)
def correct(n):
    """Right data, right count: stays valid."""
    return list(Book.objects.values_list("title", flat=True)[:n])


leaky = Scenario("leaky_fixture", sizes=(1, 2))


@leaky.naive(queries=1)
def bump_without_declaring_writes(n):
    """Writes, but the scenario does not declare writes=True: nothing rolls it back."""
    return Counter.objects.filter(pk=1).update(value=n)


@leaky.optimized(queries=1)
def bump_again(n):
    """Same write."""
    return Counter.objects.filter(pk=1).update(value=n)


leaky_schema = Scenario("leaky_schema", sizes=(1, 2), writes=True)
ADD_INDEX = "CREATE INDEX IF NOT EXISTS leaky_title_idx ON models_app_book (title)"  # SQLite


@leaky_schema.naive(queries=1)
def index_without_undo(n):
    """Adds an index and declares no undo_schema: the rows are as found, the schema is not."""
    with connection.cursor() as cursor:
        cursor.execute(ADD_INDEX)
    return n


@leaky_schema.optimized(queries=1)
def index_again(n):
    """The same statement."""
    with connection.cursor() as cursor:
        cursor.execute(ADD_INDEX)
    return n
