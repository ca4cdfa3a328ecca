"""The dataset: seeded, identical on every database, at named scales.

Faker is slow per call (about 9 000 rows/s for a name and a sentence), so it only fills small
pools of realistic values; a `random.Random` seeded from the same seed combines them into rows.
Same Faker release + same seed + same scale = same rows, same primary keys, same checksum.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import random
import sys
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from ormbench.errors import BenchError

DEFAULT_SEED = 20261123
PROGRESS_FROM_ROWS = 100_000  # fewer rows take about a second: no progress bar
DATASET_VERSION = 5  # bump when generate() changes: cached datasets of other versions are ignored
COUNTERS = 10
VISITS_PER_BOOK = 4  # a million visits at scale l: the schema change's large table
JOBS = 1_000  # queued jobs at every scale: n workers' claims cost the same on any table size
ON_DELETE_AUTHORS_AT_MOST = 2_000
BOOKS_PER_ON_DELETE_AUTHOR = (1, 5)


@dataclass(frozen=True)
class Scale:
    name: str
    publishers: int
    authors: int
    tags: int
    books: int
    reviews: int
    articles: int
    buffer_mb: int | None = None
    """Buffer pool of the servers the suite starts (None: their 128 MB default), so that the
    largest dataset is served from memory as a production server sized for it would."""

    @property
    def jobs(self) -> int:
        return JOBS

    @property
    def on_delete_authors(self) -> int:
        """Authors in each on_delete rule's own tables (`_on_delete_rows`): deleting n of them
        costs the same whatever the table's size, so they stop growing at s."""
        return min(self.books // 2, ON_DELETE_AUTHORS_AT_MOST)


SCALES = {
    s.name: s
    for s in (
        Scale("xs", publishers=5, authors=40, tags=20, books=250, reviews=400, articles=100),
        Scale("s", publishers=20, authors=400, tags=50, books=2_500, reviews=4_000, articles=1_000),
        Scale(
            "m",
            publishers=100,
            authors=4_000,
            tags=200,
            books=25_000,
            reviews=40_000,
            articles=10_000,
        ),
        Scale(
            "l",
            publishers=500,
            authors=40_000,
            tags=500,
            books=250_000,
            reviews=400_000,
            articles=100_000,
            buffer_mb=2048,
        ),
    )
}


def scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise BenchError(f"unknown scale {name!r}: choose one of {', '.join(SCALES)}") from None


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


def generate(size: Scale, seed: int = DEFAULT_SEED) -> Dataset:
    """Build every row of the dataset in memory, deterministically."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    first = [fake.first_name() for _ in range(300)]
    last = [fake.last_name() for _ in range(500)]
    words = [w for w in {fake.word() for _ in range(3_000)}]
    words.sort()
    sentences = [fake.sentence(nb_words=12) for _ in range(1_000)]
    paragraphs = [fake.paragraph(nb_sentences=6) for _ in range(300)]
    countries = [fake.country() for _ in range(100)]
    companies = sorted({fake.company() for _ in range(max(size.publishers * 3, 50))})
    rng = random.Random(seed)

    def title(i: int) -> str:
        return " ".join(rng.sample(words, rng.randint(2, 5))).title()

    publishers = [
        (i, f"{companies[i % len(companies)]} {i}", rng.choice(countries))
        for i in range(1, size.publishers + 1)
    ]
    authors = []
    for i in range(1, size.authors + 1):
        f, la = rng.choice(first), rng.choice(last)
        authors.append(
            (
                i,
                f"{f} {la}",
                f"{f}.{la}.{i}@example.com".lower(),
                rng.randint(1920, 2000),
                rng.randint(1, size.publishers),
            )
        )
    tags = [(i, f"{words[(i * 7) % len(words)]}-{i}") for i in range(1, size.tags + 1)]
    books = [
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
    book_tags: list[Row] = []
    for book_id in range(1, size.books + 1):
        for tag_id in sorted(rng.sample(range(1, size.tags + 1), rng.randint(1, 3))):
            book_tags.append((len(book_tags) + 1, book_id, tag_id))
    reviews = [
        (
            i,
            rng.randint(1, size.books),
            f"{rng.choice(first)}.{rng.choice(last)}{i}".lower(),
            rng.randint(1, 5),
            rng.choice(sentences),
            EPOCH + dt.timedelta(seconds=rng.randrange(300_000_000)),
        )
        for i in progress(range(1, size.reviews + 1), "generate reviews")
    ]
    articles = []
    for i in progress(range(1, size.articles + 1), "generate articles"):
        head = title(i)
        body = "\n\n".join(rng.choices(paragraphs, k=5))
        published = EPOCH + dt.timedelta(seconds=rng.randrange(300_000_000))
        articles.append(
            (
                i,
                rng.randint(1, size.authors),
                head,
                f"{head.lower().replace(' ', '-')}-{i}",
                rng.choice(sentences),
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
    counters = [(i, f"counter-{i}", 0) for i in range(1, COUNTERS + 1)]
    jobs = [(i, "queued", f"send newsletter {i}", 0) for i in range(1, JOBS + 1)]
    posts = _posts(size, seed, title)
    owners, owned = _on_delete_rows(size, seed)
    visits = _visits(size, seed)
    return Dataset(
        {
            "publisher": (("id", "name", "country"), publishers),
            "author": (("id", "name", "email", "birth_year", "agent_id"), authors),
            "tag": (("id", "name"), tags),
            "book": (
                (
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
                books,
            ),
            "book_tags": (("id", "book_id", "tag_id"), book_tags),
            "review": (("id", "book_id", "reviewer", "rating", "body", "created"), reviews),
            "article": (
                (
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
                articles,
            ),
            "counter": (("id", "name", "value"), counters),
            "job": (("id", "status", "payload", "claims"), jobs),
            "visit": (("id", "book_id", "day", "hits"), visits),
            "post": (("id", "author_id", "title", "published"), posts),
            "indexed_post": (("id", "author_id", "title", "published"), posts),
            **{
                table: rows
                for rule in ON_DELETE_RULES
                for table, rows in (
                    (f"{rule}_author", (("id", "name"), owners)),
                    (f"{rule}_book", (("id", "author_id", "title"), owned)),
                )
            },
        }
    )


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
    """VISITS_PER_BOOK days of hits per book; from a generator of their own."""
    rng = random.Random(seed + 3)
    first = dt.date(2024, 1, 1)
    return [
        (i, (i - 1) // VISITS_PER_BOOK + 1, first + dt.timedelta(days=rng.randrange(700)), i % 997)
        for i in progress(range(1, size.books * VISITS_PER_BOOK + 1), "generate visits")
    ]


ON_DELETE_RULES = ("cascade", "set_null", "protect")


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
    """Model classes by dataset table name, parents before children."""
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


def progress(items: Iterable[Any], what: str, total: int | None = None) -> Iterable[Any]:
    """A progress bar on stderr for work long enough to wonder about (the m and l scales); in a
    log, where a bar would be a stream of carriage returns, one plain line."""
    from tqdm import tqdm

    count = total if total is not None else len(cast(Sized, items))
    if count < PROGRESS_FROM_ROWS:
        return items
    if not sys.stderr.isatty():
        print(f"{what}: {count} rows", file=sys.stderr, flush=True)
        return items
    return tqdm(
        items, total=count, desc=what, unit=" rows", leave=False, file=sys.stderr, mininterval=0.5
    )


def cache_dir() -> Path:
    """Where generated datasets are kept between runs (ORMBENCH_CACHE overrides)."""
    return Path(os.environ.get("ORMBENCH_CACHE") or Path.home() / ".cache" / "django-ormbench")


def generate_cached(size: Scale, seed: int = DEFAULT_SEED) -> tuple[Dataset, bool]:
    """(dataset, whether it came from the cache). A cache file is used only when its SHA-256
    matches the one written beside it; otherwise the dataset is generated and cached again."""
    from faker import VERSION

    path = cache_dir() / f"dataset-v{DATASET_VERSION}-{size.name}-{seed}-faker{VERSION}.pickle"
    digest = path.with_suffix(".sha256")
    # Files are streamed, never held whole: at scale l the pickle alone is about 180 MB.
    # A cache pickled by another layout of the package names classes that moved: made again.
    with contextlib.suppress(
        OSError, pickle.UnpicklingError, EOFError, ModuleNotFoundError, AttributeError
    ):
        if _file_sha256(path) == digest.read_text().strip():
            with open(path, "rb") as cached:
                return pickle.load(cached), True
    data = generate(size, seed)
    with contextlib.suppress(OSError):  # a read-only home only costs the next run the time
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
        digest.write_text(_file_sha256(tmp))
        tmp.replace(path)
    return data, False


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def is_loaded() -> bool:
    from ormbench.catalogue.models_app.models import Book

    return Book.objects.exists()


def peak_rss() -> int:
    """This process's peak resident memory in bytes (VmHWM: unlike ru_maxrss, not inherited
    from the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
