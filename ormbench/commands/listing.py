"""`list`: the scenarios and their variants."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ormbench.declare import catalogue
from ormbench.declare.scenario import DEFAULT_PACKAGES


def setup_arguments(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    listing = commands.add_parser("list", help="list scenarios and their variants")
    listing.add_argument("--scenarios", action="append", metavar="PACKAGE")
    listing.set_defaults(handler=lambda args: main(args.scenarios or DEFAULT_PACKAGES))


def main(packages: Sequence[str]) -> int:
    for scenario in catalogue.scenarios(packages).values():
        print(f"{scenario.name}: {scenario.label}")
        for variant in scenario.variants:
            print(f"    {variant.role:<9} {variant.name}: {variant.label.splitlines()[0]}")
    return 0
