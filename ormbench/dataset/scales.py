"""The named scales of the dataset (xs to l), and what every stage needs beside them: the seed,
the cache folder, a progress bar for long work, and a process's peak memory."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ormbench.errors import BenchError

DEFAULT_SEED = 20261123
PROGRESS_FROM_ROWS = 100_000  # fewer rows take about a second: no progress bar
JOBS = 1_000  # queued jobs at every scale: n workers' claims cost the same on any table size
ON_DELETE_AUTHORS_AT_MOST = 2_000


@dataclass(frozen=True)
class Scale:
    name: str
    publishers: int
    authors: int
    tags: int
    books: int
    reviews: int
    articles: int
    visits: int
    """Rows of the schema change's table (`schema_change`): from s on, large enough for a
    CREATE INDEX to hold a writer up for a visible while (10 000 at s took 8 ms, within the
    writer's own stalls), and the same at m, since no other scenario reads it."""
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
        Scale(
            "xs",
            publishers=5,
            authors=40,
            tags=20,
            books=250,
            reviews=400,
            articles=100,
            visits=1_000,
        ),
        Scale(
            "s",
            publishers=20,
            authors=400,
            tags=50,
            books=2_500,
            reviews=4_000,
            articles=1_000,
            visits=250_000,
        ),
        Scale(
            "m",
            publishers=100,
            authors=4_000,
            tags=200,
            books=25_000,
            reviews=40_000,
            articles=10_000,
            visits=250_000,
        ),
        Scale(
            "l",
            publishers=500,
            authors=40_000,
            tags=500,
            books=250_000,
            reviews=400_000,
            articles=100_000,
            visits=1_000_000,
            buffer_mb=2048,
        ),
    )
}


# Rows of every table together, as `--help` and the docs state them (tests/test_docs.py holds
# them to what `tables.generate` makes, within 2%).
ROWS_ABOUT = {"xs": "5 300", "s": "284 000", "m": "454 000", "l": "2.8 million"}


def scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise BenchError(f"unknown scale {name!r}: choose one of {', '.join(SCALES)}") from None


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
    from ormbench.servers.base import cache_root

    return cache_root()


def peak_rss() -> int:
    """This process's peak resident memory in bytes (VmHWM: unlike ru_maxrss, not inherited
    from the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
