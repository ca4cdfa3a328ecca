"""The scenario catalogue as the parent process sees it: names, labels, and `-k` selection.

Importing scenarios imports the models, which needs Django configured; the parent has no
database of its own, so it configures an in-memory SQLite that no scenario ever queries.
"""

from __future__ import annotations

from collections.abc import Sequence

from ormbench.dataset import scales
from ormbench.declare.scenario import DEFAULT_PACKAGES, Scenario, cases, discover
from ormbench.errors import BenchError


def scenarios(packages: Sequence[str] = DEFAULT_PACKAGES) -> dict[str, Scenario]:
    from django.conf import settings

    if not settings.configured:
        from ormbench.settings import configure

        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    return discover(packages)


def needs_replica(selected: Sequence[str], packages: Sequence[str] = DEFAULT_PACKAGES) -> bool:
    """Whether any selected case (an id from `select`) reads from a replica."""
    names = [s.name for s in scenarios(packages).values() if s.applies.replica]
    return any(f"-{name}-" in case_id for case_id in selected for name in names)


class _Matcher:
    """pytest's keyword matching: a case-insensitive substring of the case id."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id.lower()

    def __call__(self, name: str, /, **kwargs: object) -> bool:
        return name.lower() in self.case_id


def select(
    databases: Sequence[str], scale: str, keyword: str | None, packages: Sequence[str]
) -> list[str]:
    """Ids of the cases a run will time; BenchError when `-k` matches none of them."""
    every = [
        f"{database}-{case.id}"
        for database in databases
        for case in cases(scenarios(packages), scales.scale(scale).name)
    ]
    if not keyword:
        return every
    # pytest's own -k grammar (and, or, not, substrings), so the worker selects the same cases.
    from _pytest.mark.expression import Expression

    try:
        expression = Expression.compile(keyword)
    except SyntaxError as exc:  # pytest 8.4+ raises SyntaxError, older ParseError(SyntaxError)
        raise BenchError(f"invalid -k expression {keyword!r}: {exc.msg}") from None
    chosen = [case_id for case_id in every if expression.evaluate(_Matcher(case_id))]
    if not chosen:
        raise BenchError(f"no scenario matches -k {keyword!r}: `ormbench list` shows them")
    return chosen
