"""Listing n article titles from wide rows with a large body: full instances against values(),
values_list(flat=True), only() and defer()."""

from ormbench.catalogue.models_app.models import Article
from ormbench.declare.scenario import Scenario

columns = Scenario("columns", n_of="articles", memory=True)


@columns.naive(queries=1)
def full_instances(n):
    """Every column of every row, the large body included, built into model instances."""
    return [a.title for a in Article.objects.all()[:n]]


@columns.optimized(queries=1)
def values_dicts(n):
    """values("title"): one column, dictionaries instead of instances."""
    return [row["title"] for row in Article.objects.values("title")[:n]]


@columns.optimized(queries=1)
def values_list_flat(n):
    """values_list("title", flat=True): one column, plain strings."""
    return list(Article.objects.values_list("title", flat=True)[:n])


@columns.optimized(queries=1)
def only_title(n):
    """only("title"): instances that load just the id and the title."""
    return [a.title for a in Article.objects.only("title")[:n]]


@columns.optimized(queries=1)
def defer_body(n):
    """defer("body"): instances without the large text column."""
    return [a.title for a in Article.objects.defer("body")[:n]]
