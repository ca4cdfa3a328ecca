"""The dataset: seeded, identical on every database, at named scales.

Faker is slow per call (about 9 000 rows/s for a name and a sentence), so it only fills small
pools of realistic values; a `random.Random` seeded from the same seed combines them into rows.
Same Faker release + same seed + same scale = same rows, same primary keys, same checksum.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ormbench import project
from ormbench.dataset.scales import DEFAULT_SEED, JOBS, Scale, progress

COUNTERS = 10
BOOKS_PER_ON_DELETE_AUTHOR = (1, 5)
ON_DELETE_RULES = ("cascade", "set_null", "protect")


Row = tuple[Any, ...]


@dataclass(frozen=True)
class Dataset:
    """Rows per model label, in primary-key order, with the column names they fill."""

    tables: dict[str, tuple[tuple[str, ...], list[Row]]]

    @property
    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.tables.values())


GENRES = [
    "fiction",
    "mystery",
    "fantasy",
    "biography",
    "history",
    "science",
    "poetry",
    "travel",
    "romance",
    "thriller",
    "essay",
    "cooking",
    "children",
    "horror",
    "philosophy",
    "art",
]
LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "pl", "ja", "zh", "ru"]
SECTIONS = ["news", "culture", "opinion", "science", "sport", "travel", "books", "tech"]
STATUSES = ["draft", "review", "published", "archived"]
EPOCH = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)


# The columns each table's rows fill, in their order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "publisher": ("id", "name", "country"),
    "author": ("id", "name", "email", "birth_year", "agent_id"),
    "tag": ("id", "name"),
    "book": (
        "id",
        "title",
        "isbn",
        "catalog_code",
        "author_id",
        "publisher_id",
        "price",
        "pages",
        "published",
        "genre",
        "language",
        "view_count",
    ),
    "book_tags": ("id", "book_id", "tag_id"),
    "review": ("id", "book_id", "reviewer", "rating", "body", "created"),
    "article": (
        "id",
        "author_id",
        "title",
        "slug",
        "summary",
        "body",
        "word_count",
        "status",
        "section",
        "score",
        "is_featured",
        "published",
        "updated",
    ),
    "counter": ("id", "name", "value"),
    "job": ("id", "status", "payload", "claims"),
    "visit": ("id", "book_id", "day", "hits"),
    "post": ("id", "author_id", "title", "published"),
    "indexed_post": ("id", "author_id", "title", "published"),
    **{
        table: columns
        for rule in ON_DELETE_RULES
        for table, columns in (
            (f"{rule}_author", ("id", "name")),
            (f"{rule}_book", ("id", "author_id", "title")),
        )
    },
}


@dataclass(frozen=True)
class Pools:
    """Small pools of realistic values from Faker, which the seeded generator combines."""

    first: list[str]
    last: list[str]
    words: list[str]
    sentences: list[str]
    paragraphs: list[str]
    countries: list[str]
    companies: list[str]


def _pools(size: Scale, seed: int) -> Pools:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    first = [fake.first_name() for _ in range(300)]
    last = [fake.last_name() for _ in range(500)]
    words = sorted({fake.word() for _ in range(3_000)})
    sentences = [fake.sentence(nb_words=12) for _ in range(1_000)]
    paragraphs = [fake.paragraph(nb_sentences=6) for _ in range(300)]
    countries = [fake.country() for _ in range(100)]
    companies = sorted({fake.company() for _ in range(max(size.publishers * 3, 50))})
    return Pools(first, last, words, sentences, paragraphs, countries, companies)


def generate(size: Scale, seed: int = DEFAULT_SEED) -> Dataset:
    """Build every row of the dataset in memory, deterministically: one seeded generator draws
    the tables in this order (posts, the on_delete tables and visits have generators of their
    own, so that adding them left the others as they were)."""
    pools = _pools(size, seed)
    rng = random.Random(seed)

    def title(i: int) -> str:
        return " ".join(rng.sample(pools.words, rng.randint(2, 5))).title()

    rows: dict[str, list[Row]] = {}
    rows["publisher"], rows["author"] = _people(rng, pools, size)
    rows["tag"] = [
        (i, f"{pools.words[(i * 7) % len(pools.words)]}-{i}") for i in range(1, size.tags + 1)
    ]
    rows["book"] = _books(rng, size, title)
    rows["book_tags"] = _book_tags(rng, size)
    rows["review"] = _reviews(rng, pools, size)
    rows["article"] = _articles(rng, pools, size, title)
    rows["counter"] = [(i, f"counter-{i}", 0) for i in range(1, COUNTERS + 1)]
    rows["job"] = [(i, "queued", f"send newsletter {i}", 0) for i in range(1, JOBS + 1)]
    rows["post"] = rows["indexed_post"] = _posts(size, seed, title)
    owners, owned = _on_delete_rows(size, seed)
    rows["visit"] = _visits(size, seed)
    for rule in ON_DELETE_RULES:
        rows[f"{rule}_author"], rows[f"{rule}_book"] = owners, owned
    return Dataset({table: (columns, rows[table]) for table, columns in COLUMNS.items()})


def _people(rng: random.Random, pools: Pools, size: Scale) -> tuple[list[Row], list[Row]]:
    publishers: list[Row] = [
        (i, f"{pools.companies[i % len(pools.companies)]} {i}", rng.choice(pools.countries))
        for i in range(1, size.publishers + 1)
    ]
    authors: list[Row] = []
    for i in range(1, size.authors + 1):
        f, la = rng.choice(pools.first), rng.choice(pools.last)
        authors.append(
            (
                i,
                f"{f} {la}",
                f"{f}.{la}.{i}@example.com".lower(),
                rng.randint(1920, 2000),
                rng.randint(1, size.publishers),
            )
        )
    return publishers, authors


def _books(rng: random.Random, size: Scale, title: Callable[[int], str]) -> list[Row]:
    return [
        (
            i,
            title(i),
            f"978{i:010d}",
            f"CAT-{i:08d}",
            rng.randint(1, size.authors),
            rng.randint(1, size.publishers),
            Decimal(rng.randint(199, 9_999)) / 100,
            rng.randint(40, 1_200),
            dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(27_000)),
            rng.choice(GENRES),
            rng.choice(LANGUAGES),
            rng.randrange(10_000),
        )
        for i in progress(range(1, size.books + 1), "generate books")
    ]


def _book_tags(rng: random.Random, size: Scale) -> list[Row]:
    book_tags: list[Row] = []
    for book_id in range(1, size.books + 1):
        for tag_id in sorted(rng.sample(range(1, size.tags + 1), rng.randint(1, 3))):
            book_tags.append((len(book_tags) + 1, book_id, tag_id))
    return book_tags


def _reviews(rng: random.Random, pools: Pools, size: Scale) -> list[Row]:
    return [
        (
            i,
            rng.randint(1, size.books),
            f"{rng.choice(pools.first)}.{rng.choice(pools.last)}{i}".lower(),
            rng.randint(1, 5),
            rng.choice(pools.sentences),
            EPOCH + dt.timedelta(seconds=rng.randrange(300_000_000)),
        )
        for i in progress(range(1, size.reviews + 1), "generate reviews")
    ]


def _articles(
    rng: random.Random, pools: Pools, size: Scale, title: Callable[[int], str]
) -> list[Row]:
    articles: list[Row] = []
    for i in progress(range(1, size.articles + 1), "generate articles"):
        head = title(i)
        body = "\n\n".join(rng.choices(pools.paragraphs, k=5))
        published = EPOCH + dt.timedelta(seconds=rng.randrange(300_000_000))
        articles.append(
            (
                i,
                rng.randint(1, size.authors),
                head,
                f"{head.lower().replace(' ', '-')}-{i}",
                rng.choice(pools.sentences),
                body,
                len(body.split()),
                rng.choice(STATUSES),
                rng.choice(SECTIONS),
                rng.randint(-100, 1_000),
                rng.random() < 0.1,
                published,
                published + dt.timedelta(seconds=rng.randrange(10_000_000)),
            )
        )
    return articles


PROLIFIC_AT_LEAST = 4


def prolific_authors(size: Scale) -> int:
    """Authors 1..this own every post (`_posts`): about 600 posts each at s and above, 60 at xs;
    never fewer than PROLIFIC_AT_LEAST."""
    return max(PROLIFIC_AT_LEAST, size.authors // 100)


def _posts(size: Scale, seed: int, title: Callable[[int], str]) -> list[Row]:
    """As many posts as books, spread over the prolific authors; from a generator of their own,
    so that the other tables stay as they were."""
    rng = random.Random(seed + 1)
    authors = prolific_authors(size)
    return [
        (
            i,
            rng.randint(1, authors),
            title(i),
            EPOCH + dt.timedelta(seconds=rng.randrange(300_000_000)),
        )
        for i in progress(range(1, size.books + 1), "generate posts")
    ]


def _visits(size: Scale, seed: int) -> list[Row]:
    """Days of hits, the books taken in turn; from a generator of their own."""
    rng = random.Random(seed + 3)
    first = dt.date(2024, 1, 1)
    return [
        (i, (i - 1) % size.books + 1, first + dt.timedelta(days=rng.randrange(700)), i % 997)
        for i in progress(range(1, size.visits + 1), "generate visits")
    ]


def _on_delete_rows(size: Scale, seed: int) -> tuple[list[Row], list[Row]]:
    """Authors and their books (every author has at least one: PROTECT refuses them all), the
    same rows for each on_delete rule's tables; from a generator of their own."""
    rng = random.Random(seed + 2)
    authors = [(i, f"Author {i}") for i in range(1, size.on_delete_authors + 1)]
    books: list[Row] = []
    for author_id, _ in authors:
        for _ in range(rng.randint(*BOOKS_PER_ON_DELETE_AUTHOR)):
            books.append((len(books) + 1, author_id, f"Book {len(books) + 1}"))
    return authors, books


def models_in_load_order() -> dict[str, Any]:
    """Model classes by dataset table name, parents before children: the bookshop's, or those
    of a user's project (`project_models`)."""
    if project.current().external:
        return project_models()
    from ormbench.catalogue.models_app import models as m

    return {
        "publisher": m.Publisher,
        "author": m.Author,
        "tag": m.Tag,
        "book": m.Book,
        "book_tags": m.Book.tags.through,
        "review": m.Review,
        "article": m.Article,
        "counter": m.Counter,
        "job": m.Job,
        "visit": m.Visit,
        "post": m.Post,
        "indexed_post": m.IndexedPost,
        "cascade_author": m.CascadeAuthor,
        "cascade_book": m.CascadeBook,
        "set_null_author": m.SetNullAuthor,
        "set_null_book": m.SetNullBook,
        "protect_author": m.ProtectAuthor,
        "protect_book": m.ProtectBook,
    }


def project_models() -> dict[str, Any]:
    """A user's project's own models (the apps under its folder: not Django's, not a third
    party's), by table name, in the order Django's serializers load them; with the tables of
    their many-to-many fields."""
    from django.apps import apps
    from django.core.serializers import sort_dependencies

    root = Path(project.current().root).resolve()
    own = [a for a in apps.get_app_configs() if Path(a.path).resolve().is_relative_to(root)]
    found: dict[str, Any] = {}
    for model in sort_dependencies([(a, None) for a in own], allow_cycles=True):
        if model._meta.managed and not model._meta.proxy:
            found[model._meta.db_table] = model
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                if through._meta.auto_created:
                    found[through._meta.db_table] = through
    return found


def is_loaded() -> bool:
    return any(model.objects.exists() for model in models_in_load_order().values())
