"""Tagging n books with a new tag: add() per book against one add(*books) or bulk through rows."""

from ormbench.catalogue.models_app.models import Book, Tag
from ormbench.declare.queries import bulk_create_queries, insert_batches
from ormbench.declare.scenario import Correct, Scenario

Through = Book.tags.through
m2m_add = Scenario(
    "m2m_add",
    writes=True,
    correct=Correct(
        state=lambda n: sorted(Tag.objects.get(name="bench-new").books.values_list("id", flat=True))
    ),
)


def through_batches(n):
    """INSERTs of the links, in add()'s or bulk_create()'s own BEGIN ... COMMIT."""
    return 2 + insert_batches(Through, ["book", "tag"], n)


@m2m_add.naive(queries=lambda n: 2 + 3 * n)
def add_one_by_one(n):
    """tag.books.add(book) in a loop: one INSERT per link, each in its own transaction."""
    tag = Tag.objects.create(name="bench-new")
    for book in Book.objects.all()[:n]:
        tag.books.add(book)


@m2m_add.optimized(queries=lambda n: 2 + through_batches(n))
def add_all_at_once(n):
    """tag.books.add(*books): one INSERT for every link (batched by the backend's limits)."""
    tag = Tag.objects.create(name="bench-new")
    tag.books.add(*Book.objects.all()[:n])


@m2m_add.optimized(queries=lambda n: 2 + bulk_create_queries(Through, ["book", "tag"], n))
def bulk_create_through(n):
    """Through.objects.bulk_create([...]) from the book ids alone: no Book instances built."""
    tag = Tag.objects.create(name="bench-new")
    ids = Book.objects.values_list("id", flat=True)[:n]
    Through.objects.bulk_create([Through(book_id=i, tag_id=tag.pk) for i in ids])
