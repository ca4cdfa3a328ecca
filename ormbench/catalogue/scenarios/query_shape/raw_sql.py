"""Reading n books' id, title and pages: the ORM against raw() and a plain cursor.

The naive variant's EXPLAIN is stored with the results on each database.
"""

from django.db import connection

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

SQL = "SELECT id, title, pages FROM models_app_book ORDER BY id LIMIT %s"
raw_sql = Scenario("raw_sql", explain=lambda n: Book.objects.all()[:n])


@raw_sql.naive(queries=1)
def orm_instances(n):
    """The ORM building full model instances."""
    return [(b.id, b.title, b.pages) for b in Book.objects.all()[:n]]


@raw_sql.optimized(queries=1)
def orm_values_list(n):
    """The ORM returning tuples of three columns."""
    return list(Book.objects.values_list("id", "title", "pages")[:n])


@raw_sql.optimized(queries=1)
def raw_queryset(n):
    """Book.objects.raw(SQL): hand-written SQL, still model instances (deferred columns)."""
    return [(b.id, b.title, b.pages) for b in Book.objects.raw(SQL, [n])]


@raw_sql.optimized(queries=1)
def cursor_fetchall(n):
    """connection.cursor(): hand-written SQL, tuples straight from the driver."""
    with connection.cursor() as cursor:
        cursor.execute(SQL, [n])
        return [tuple(row) for row in cursor.fetchall()]
