"""`list`: the scenarios and their variants."""

from __future__ import annotations

from collections.abc import Sequence

from ormbench.declare import catalogue


def main(packages: Sequence[str]) -> int:
    for scenario in catalogue.scenarios(packages).values():
        print(f"{scenario.name}: {scenario.label}")
        for variant in scenario.variants:
            print(f"    {variant.role:<9} {variant.name}: {variant.label.splitlines()[0]}")
    return 0
