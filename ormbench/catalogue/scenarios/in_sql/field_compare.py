"""Books seen fewer than five times per page, among the first n: comparing two columns of each
row in Python against F() in the filter.

The Python filter fetches every row to throw most of them away; filter(view_count__lt=F("pages")
* 5) sends the comparison to the database, which returns only the matches (about a third here).
What to take from it: a condition between two fields of the same row is a WHERE clause, not a
loop. `f_expression` builds the same model instances as the loop, so its figure is the filter's
own effect; `f_expression_values_list` also fetches only the two columns shown, the two effects
together (the fair split, as aggregate_sum's intermediate variant makes).
"""

from django.db.models import F

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

field_compare = Scenario("field_compare")


@field_compare.naive(queries=1)
def python_filter(n):
    """Every book fetched; the two fields compared in Python."""
    return [(b.id, b.title) for b in Book.objects.filter(pk__lte=n) if b.view_count < b.pages * 5]


@field_compare.optimized(queries=1)
def f_expression(n):
    """filter(view_count__lt=F("pages") * 5): the comparison in the WHERE clause, the same
    instances built."""
    return [(b.id, b.title) for b in Book.objects.filter(pk__lte=n, view_count__lt=F("pages") * 5)]


@field_compare.optimized(queries=1)
def f_expression_values_list(n):
    """The same WHERE clause, and only the two columns shown, as tuples."""
    books = Book.objects.filter(pk__lte=n, view_count__lt=F("pages") * 5)
    return list(books.values_list("id", "title"))
