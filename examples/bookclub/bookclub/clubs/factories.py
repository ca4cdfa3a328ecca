"""Factories in plain ORM (factory_boy or model_bakery work the same way in the data hook):
each takes the generator the hook seeded, so a seed gives the same rows every time."""

import datetime as dt
import random

from bookclub.clubs.models import Book, Loan, Member

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
WORDS = ["river", "stone", "light", "garden", "winter", "letters", "harbour", "machine", "city"]
EPOCH = dt.date(2020, 1, 1)


def members(rng: random.Random, count: int) -> list[Member]:
    return Member.objects.bulk_create(
        Member(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            email=f"member{i}@bookclub.example",
            joined=EPOCH + dt.timedelta(days=rng.randrange(1500)),
        )
        for i in range(count)
    )


def books(rng: random.Random, count: int) -> list[Book]:
    return Book.objects.bulk_create(
        Book(
            title=" ".join(rng.sample(WORDS, 2)).title(),
            author=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            pages=rng.randrange(80, 900),
        )
        for _ in range(count)
    )


def loans(rng: random.Random, count: int, people: list[Member], shelf: list[Book]) -> None:
    Loan.objects.bulk_create(
        Loan(
            member=rng.choice(people),
            book=rng.choice(shelf),
            borrowed=EPOCH + dt.timedelta(days=rng.randrange(1800)),
            returned=rng.random() < 0.7,
        )
        for _ in range(count)
    )
