"""Checking against the reference: each scenario's reference variant is checked once per n,
and every other variant's check is held against it (result, recorded figures, the effect on
every table either wrote), down to the first differing row."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ormbench.declare.scenario import Case
from ormbench.worker.check import Check
from ormbench.worker.probes.effect import Effects, differing_tables, first_row_difference
from ormbench.worker.probes.equivalence import first_difference

CheckCall = Callable[[Case, Callable[[int], Any]], Check]
Inside = Callable[[Case, Callable[[int], Any], Callable[[Any], Any]], Any]


class References:
    """The reference checks of one database's cases, and what another check differs in."""

    def __init__(self, check: CheckCall, inside: Inside, effects: Effects) -> None:
        """`check` runs one checked call of a variant; `inside` runs one and reads a probe
        before its writes are undone (`Harness.check`, `Harness.inside`)."""
        self._check, self._inside, self.effects = check, inside, effects
        self.sizes: dict[str, list[int]] = {}  # of each scenario (`note_sizes`)
        self._checks: dict[tuple[str, int], Check] = {}
        self._problems: dict[str, list[str]] = {}

    def note_sizes(self, selected: list[Case], scale: str) -> None:
        """The sizes of each scenario whose every size at `scale` is selected: two sizes can give
        one result where the third does not (trap_ordering's genres among 100 and 1 000 books,
        not among 10), so a selection (`-k n1000 or n100`) proves no check unable to fail."""
        for case in selected:
            sizes = self.sizes.setdefault(case.family, [])
            if case.n not in sizes:
                sizes.append(case.n)
        for case in selected:
            if set(self.sizes.get(case.family, ())) != set(case.scenario.sizes_at(scale)):
                self.sizes.pop(case.family, None)

    def compared(self, case: Case) -> bool:
        """Every variant is held against the reference, but the reference itself and a naive
        variant that is wrong by design."""
        return not (case.variant is case.scenario.reference_variant or case.wrong_by_design)

    def of(self, case: Case, n: int | None = None) -> Check:
        """The reference variant's check at `case`'s n (or `n`), made once."""
        n = case.n if n is None else n
        key = (case.family, n)
        if key not in self._checks:
            at_n = dataclasses.replace(case, n=n)
            self._checks[key] = self._check(at_n, case.scenario.reference_variant.fn)
        return self._checks[key]

    def problems_of(self, case: Case) -> list[str]:
        """Problems of the scenario itself, found once: a check that cannot fail."""
        scenario = case.scenario
        if case.family not in self._problems:
            sizes = self.sizes.get(case.family, [])
            evidence = [self.of(case, n).evidence for n in sizes]
            same = len(sizes) > 1 and all(e == evidence[0] for e in evidence)
            self._problems[case.family] = (
                [
                    f"{scenario.reference_variant.name} gives the same result at every n "
                    f"({', '.join(map(str, sizes))}): a check that cannot fail (declare "
                    "constant_result='why' if that is intended)"
                ]
                if same and not scenario.correct.constant_result
                else []
            )
        return self._problems[case.family]

    def differences(self, case: Case, check: Check) -> list[str]:
        """How `check` differs from the reference's check at the same n: result, recorded
        figures, then the effect on every table either of them wrote."""
        scenario = case.scenario
        reference = self.of(case)
        names = (scenario.reference_variant.name, case.variant.name)
        found = []
        result = first_difference(
            reference.result, check.result, unordered=scenario.correct.unordered, names=names
        )
        if result:
            found.append(result)
        recorded = first_difference(
            reference.recorded, check.recorded, names=names, path="recorded"
        )
        if recorded:
            found.append(recorded)
        tables = differing_tables(reference.effect, check.effect, self.effects.baseline)
        if tables:
            found.append(self._locate(case, tables, names))
        return found

    def _locate(self, case: Case, tables: list[str], names: tuple[str, str]) -> str:
        """Narrow the first differing table down to its first differing row: pk buckets
        digested by the database, then the rows of one bucket. Runs each side again."""
        scenario, table = case.scenario, tables[0]
        sides = (scenario.reference_variant.fn, case.variant.fn)
        buckets = [self._inside(case, fn, lambda _: self.effects.buckets(table)) for fn in sides]
        keys = sorted(set(buckets[0]) | set(buckets[1]))
        bucket = next((k for k in keys if buckets[0].get(k) != buckets[1].get(k)), None)
        row = None
        if bucket is not None:
            rows = [
                self._inside(case, fn, lambda _: self.effects.rows(table, bucket)) for fn in sides
            ]
            pk = self.effects.primary_key(table)
            row = first_row_difference(table, pk, rows[0], rows[1], names=names)
        others = f" (also differs: {', '.join(tables[1:])})" if len(tables) > 1 else ""
        where = str(row) if row else f"table {table}: digests differ"
        return f"other effect on the database than {names[0]}: {where}{others}"
