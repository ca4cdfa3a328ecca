"""Where a scenario or a variant applies, declared once (`Requires`) and checked by one function
(`Requires.unmet`), as asv has one way to skip a benchmark. Scenario modules import it from
`ormbench.declare.scenario`, beside `Scenario`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requires:
    """Where a scenario or a variant applies; elsewhere its cases are skipped with one reason.

    vendors:  Django's `connection.vendor`s it runs on (None: all).
    features: names of `connection.features` flags it needs.
    django:   the Django releases it needs, as a version specifier (">=6.1").
    scales:   the scales it runs at (None: all): for a pattern only a large table shows.
    replica:  its reads go to a replica (the "replica" alias, routed by
              models_app.routers.PrimaryReplicaRouter inside `reads_from_replica()`): the run
              starts one where the backend can (a throwaway PostgreSQL).
    why:      why it does not apply to the other vendors (default: "not applicable to ...").
    """

    vendors: tuple[str, ...] | None = None
    features: tuple[str, ...] = ()
    django: str | None = None
    scales: tuple[str, ...] | None = None
    replica: bool = False
    why: str = ""

    def under(self, outer: Requires) -> Requires:
        """A variant's requirements within its scenario's: what the variant declares replaces
        the scenario's declaration of the same thing."""
        return Requires(
            vendors=self.vendors if self.vendors is not None else outer.vendors,
            features=self.features or outer.features,
            django=self.django or outer.django,
            scales=self.scales if self.scales is not None else outer.scales,
            replica=self.replica or outer.replica,
            why=self.why or outer.why,
        )

    def unmet(self, vendor: str, features: object, scale: str, replica: bool) -> str | None:
        """Why a case with these requirements cannot run here (None: it can): on `vendor`, with
        these `connection.features`, at `scale`, with or without a `replica`."""
        if self.replica and not replica:
            return "needs a replica: the suite starts one beside a throwaway PostgreSQL or MariaDB"
        if self.scales is not None and scale not in self.scales:
            *rest, last = self.scales
            named = f"{', '.join(rest)} and {last}" if rest else last
            return f"runs at scale {named} only (this run: {scale})"
        if self.django:
            import django
            from packaging.specifiers import SpecifierSet

            running = django.get_version()
            if not SpecifierSet(self.django, prereleases=True).contains(running):
                return f"needs Django {self.django} (this run: {running})"
        if self.vendors is not None and vendor not in self.vendors:
            return self.why or f"not applicable to {vendor}"
        missing = [flag for flag in self.features if not getattr(features, flag, False)]
        if missing:
            return f"{vendor} lacks {', '.join(missing)}"
        return None


ANYWHERE = Requires()
