"""The data hook django-ormbench calls once per database, after the migrations: the rows of
each scale, from the factories, with a generator seeded by the run's seed."""

import random

from bookclub.clubs import factories

LOANS = {"xs": 600, "s": 6_000, "m": 60_000, "l": 600_000}


def load(scale: str, seed: int) -> None:
    rng = random.Random(seed)
    loans = LOANS[scale]
    people = factories.members(rng, loans // 10)
    shelf = factories.books(rng, loans // 4)
    factories.loans(rng, loans, people, shelf)
