"""Reading the page of 20 books that starts at row n: OFFSET against keyset pagination.

OFFSET makes the database walk past n rows; a keyset (WHERE id > last seen id) jumps there by
the index. Sizes are offsets: the deeper the page, the wider the gap.
"""

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

PAGE = 20
# The deepest offset at each scale is the last full page of the books. At s (2 500 books)
# OFFSET 2480 costs SQLite no more than the keyset's index jump (0.64 against 0.73 ms), while
# PostgreSQL and MariaDB already pay 1.4x and 2x: the effect shows on every database from m.
pagination = Scenario(
    "pagination",
    effect_from="m",
    sizes={
        "xs": (10, 100, 230),
        "s": (10, 100, 1_000, 2_480),
        "m": (10, 100, 1_000, 10_000, 24_980),
        "l": (10, 100, 1_000, 10_000, 100_000, 249_980),
    },
)


@pagination.naive(queries=1)
def offset_page(n):
    """Book.objects.all()[n:n + 20]: LIMIT 20 OFFSET n."""
    return [b.title for b in Book.objects.all()[n : n + PAGE]]


@pagination.optimized(queries=1)
def keyset_page(n):
    """filter(pk__gt=last_id)[:20], where last_id ends the previous page (ids start at 1)."""
    return [b.title for b in Book.objects.filter(pk__gt=n)[:PAGE]]
