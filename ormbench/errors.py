"""The two error types the harness raises on purpose.

`BenchError` is for the user: one line saying what is wrong and what to do. `cli.main` catches
it once and exits 1. Anything else is a programming error and keeps its traceback.
"""

from __future__ import annotations


class BenchError(Exception):
    """A problem the user can fix (bad input, missing binary, unreachable server)."""


class ScenarioMismatch(Exception):
    """A variant returned other data, or issued other queries, than its scenario declares."""

    def __init__(self, scenario: str, variant: str, database: str, why: str) -> None:
        super().__init__(f"{scenario}/{variant} on {database}: {why}")
        self.scenario = scenario
        self.variant = variant
        self.database = database
        self.why = why
