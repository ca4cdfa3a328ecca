"""n books with their author and tags: select_related() with no arguments follows every
non-null foreign key and no many-to-many, so the tags still cost a query per book; prefetch_related
is what reaches them.

Naming the many-to-many, select_related("tags"), raises FieldError since Django 1.10 (older
versions ignored it silently); the bare select_related() raises nothing and joins the author and
the publisher (and the author's agent) whether they are read or not."""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

trap_select_related_m2m = Scenario("trap_select_related_m2m", sizes=(10, 100))  # n=100 shows it


def listed(books):
    return [(b.title, b.author.name, [t.name for t in b.tags.all()]) for b in books]


@trap_select_related_m2m.naive(queries=lambda n: 1 + n)
def select_related_all(n):
    """select_related(): one JOIN for every foreign key, then one query per book for its tags."""
    return listed(Book.objects.select_related().order_by("pk")[:n])


@trap_select_related_m2m.optimized(queries=2)
def select_and_prefetch(n):
    """select_related("author") for the author, prefetch_related("tags") for the tags: two
    queries whatever n."""
    books = Book.objects.select_related("author").prefetch_related("tags").order_by("pk")[:n]
    return listed(books)
