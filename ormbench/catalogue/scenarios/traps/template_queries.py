"""A Django template listing n books with their authors: a lazy queryset handed to the
template, where each `{{ book.author.name }}` runs a query while the page renders, against one
prepared with select_related or values().

The queries leave the view and hide in the template, where nothing in the Python code shows
them; django-debug-toolbar and assertNumQueries around the rendering do. The page is the same
text in every variant."""

import functools

from django.template import Context, Engine

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

LINE = "{{ book.title }} by {{ book.author.name }} ({{ book.published|date:'Y' }})"
FROM_VALUES = "{{ book.title }} by {{ book.author__name }} ({{ book.published|date:'Y' }})"


@functools.cache
def page(line):
    """The template, compiled once (as Django's cached loader keeps it)."""
    return Engine().from_string(f"{{% for book in books %}}{line}\n{{% endfor %}}")


def render(books, line=LINE):
    return page(line).render(Context({"books": books}))


template_queries = Scenario("template_queries", sizes=(10, 100))  # n=100 shows it: 101 queries


@template_queries.naive(queries=lambda n: n + 1)
def lazy_queryset(n):
    """Book.objects.all()[:n] as the view passes it: the author of each book is fetched while
    the template renders."""
    return render(Book.objects.order_by("pk")[:n])


@template_queries.optimized(queries=1)
def select_related(n):
    """select_related("author") in the view: the template reads what one JOIN brought."""
    return render(Book.objects.select_related("author").order_by("pk")[:n])


@template_queries.optimized(queries=1)
def values_for_template(n):
    """values() of the three fields the page prints: no instances at all."""
    books = Book.objects.order_by("pk").values("title", "author__name", "published")[:n]
    return render(books, FROM_VALUES)
