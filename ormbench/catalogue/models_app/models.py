"""The schema under test: a small bookshop that gives every ORM pattern something real to do.

Publisher 1-n Book n-1 Author, Book n-m Tag, Book 1-n Review, Author 1-n Article (wide rows with a
large text column), Counter (rows that concurrent writers increment), Post/IndexedPost (the
composite-index pair), per on_delete rule a pair of tables of authors and their books, and Job
(a queue that workers drain), Visit (the large table a schema change runs on).
"""

from __future__ import annotations

import django
from django.db import models

# Django 5.1 renamed CheckConstraint's `check` to `condition`; 6.0 removed `check`.
CONDITION = "condition" if django.VERSION >= (5, 1) else "check"


class Publisher(models.Model):
    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=60)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    birth_year = models.PositiveSmallIntegerField()
    # A second-level relation for chained select_related (book -> author -> agent publisher).
    agent = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="signed_authors")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    isbn = models.CharField(max_length=13, unique=True)
    # A legacy code without an index: the lookup scenario compares it with the unique `isbn`.
    catalog_code = models.CharField(max_length=20)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="books")
    tags = models.ManyToManyField(Tag, related_name="books")
    price = models.DecimalField(max_digits=8, decimal_places=2)
    pages = models.PositiveIntegerField()
    published = models.DateField()
    genre = models.CharField(max_length=40)
    language = models.CharField(max_length=8)
    view_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["language"], name="book_language_idx"),
            models.Index(fields=["published"], name="book_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.CharField(max_length=100)
    rating = models.PositiveSmallIntegerField()
    body = models.TextField()
    created = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["book", "reviewer"], name="one_review_per_reviewer"),
            models.CheckConstraint(
                **{CONDITION: models.Q(rating__gte=1, rating__lte=5)}, name="rating_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.book_id}"


class Article(models.Model):
    """A wide row: a dozen small columns and one large text column."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    word_count = models.PositiveIntegerField()
    status = models.CharField(max_length=12)
    section = models.CharField(max_length=40)
    score = models.IntegerField()
    is_featured = models.BooleanField()
    published = models.DateTimeField()
    # Set on every save() (the dataset's values are loaded as they are): see auto_now_fields.
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Counter(models.Model):
    """Rows that several writers increment at once (the lost-update scenario)."""

    name = models.CharField(max_length=40, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class PostBase(models.Model):
    """Posts concentrated on a few prolific authors (about 600 each): the "latest posts of an
    author" query of the composite-index scenario, on two tables that hold the same rows."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    published = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["id"]


class Post(PostBase):
    """Single-field indexes only: the foreign key's and one on the date."""

    class Meta(PostBase.Meta):
        indexes = [models.Index(fields=["published"], name="post_published_idx")]


class IndexedPost(PostBase):
    """The same rows with the composite index the guides recommend for this query."""

    class Meta(PostBase.Meta):
        indexes = [
            models.Index(fields=["author", "-published"], name="indexed_post_author_pub_idx")
        ]


class Owner(models.Model):
    """An author of the on_delete scenarios: each rule has its own pair of tables, with the same
    rows, so that deleting authors under one rule never meets another rule's books."""

    name = models.CharField(max_length=100)

    class Meta:
        abstract = True
        ordering = ["id"]


class Owned(models.Model):
    title = models.CharField(max_length=200)

    class Meta:
        abstract = True
        ordering = ["id"]


class CascadeAuthor(Owner):
    pass


class CascadeBook(Owned):
    """CASCADE for Django's collector; the table itself is created by migration 0003 with
    `ON DELETE CASCADE` on the foreign key, so that the database can do the same work alone."""

    author = models.ForeignKey(CascadeAuthor, on_delete=models.CASCADE, related_name="books")

    class Meta(Owned.Meta):
        managed = False
        db_table = "models_app_cascadebook"


class DatabaseCascadeAuthor(Owner):
    """The same table as CascadeAuthor, seen by a model whose books Django does not collect."""

    class Meta(Owner.Meta):
        managed = False
        db_table = "models_app_cascadeauthor"


class DatabaseCascadeBook(Owned):
    """DO_NOTHING in Django: the table's own ON DELETE CASCADE removes the books."""

    author = models.ForeignKey(DatabaseCascadeAuthor, on_delete=models.DO_NOTHING, related_name="+")

    class Meta(Owned.Meta):
        managed = False
        db_table = "models_app_cascadebook"


if hasattr(models, "DB_CASCADE"):  # Django 6.1 and later

    class DeclaredCascadeAuthor(Owner):
        """The same table again, for a model that declares DB_CASCADE (Django 6.1)."""

        class Meta(Owner.Meta):
            managed = False
            db_table = "models_app_cascadeauthor"

    class DeclaredCascadeBook(Owned):
        author = models.ForeignKey(
            DeclaredCascadeAuthor, on_delete=models.DB_CASCADE, related_name="+"
        )

        class Meta(Owned.Meta):
            managed = False
            db_table = "models_app_cascadebook"


class SetNullAuthor(Owner):
    pass


class SetNullBook(Owned):
    author = models.ForeignKey(
        SetNullAuthor, on_delete=models.SET_NULL, null=True, related_name="books"
    )


class ProtectAuthor(Owner):
    pass


class ProtectBook(Owned):
    author = models.ForeignKey(ProtectAuthor, on_delete=models.PROTECT, related_name="books")


class Job(models.Model):
    """A queue of jobs that workers claim and finish (the job_queue scenario); `claims` counts
    how many workers took the job, so that a job done twice shows."""

    status = models.CharField(max_length=10, db_index=True)
    payload = models.CharField(max_length=100)
    claims = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]


class Visit(models.Model):
    """Daily hits per book, four rows per book (a million at scale l): the large table that the
    schema_change scenario adds an index to while writers keep inserting."""

    book_id = models.BigIntegerField()  # no foreign key: the writers' inserts check nothing else
    day = models.DateField()
    hits = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
