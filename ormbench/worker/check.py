"""What one checked call of a variant showed: everything the harness holds against the
reference variant and the timed rounds (`ormbench.worker.measure`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ormbench.worker.probes.effect import Digest
from ormbench.worker.probes.equivalence import plain


@dataclass(frozen=True)
class Check:
    """What one checked call of a variant showed."""

    result: Any
    queries: int
    executed: int
    """Statements through the main connection's cursors (the timed rounds count these: the
    query log also holds transaction control that Django logs without a cursor)."""
    seconds: float
    recorded: dict[str, Any]
    effect: dict[str, Digest]
    """Digest of every table the call wrote, taken before its writes were undone."""
    dirty: dict[str, list[int]] = field(default_factory=dict)
    """Key buckets of each table the call changed: what every timed round puts back."""
    round_trips: int | None = None
    """Client-server exchanges of the call on the wire (None: SQLite, no wire)."""
    exact: dict[str, Any] = field(default_factory=dict)
    """The call's exact co-metrics (`ormbench.worker.probes.cometrics`); empty in a timing-only
    process."""
    cpu_share: float | None = None
    """The client process's CPU time over the call's wall time (the rest: waiting on I/O)."""
    connects: int = 0
    """Connections opened to the server during the call (`ormbench.worker.probes.roundtrips`)."""
    observed: dict[str, Any] = field(default_factory=dict)
    """What the variant measured about its own call (`ormbench.declare.scenario.Observed`)."""
    threads: int = 0
    """Threads the call started (`ormbench.worker.probes.call.Threads`)."""

    @property
    def evidence(self) -> tuple[Any, ...]:
        """Everything the check compares: if it is the same at every n, nothing can fail."""
        return (plain(self.result), sorted(self.effect.items()), plain(self.recorded))


def observed_now(figures: dict[str, Any]) -> dict[str, Any]:
    """An `Observed` call's figures, those given as functions read now: after the call and its
    probes, in the checked call only (a replica's lag, polled until it shows the last write)."""
    return {name: value() if callable(value) else value for name, value in figures.items()}


def as_timed(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures a timed round measured of itself; those given as functions stay the checked
    call's (read after it: after a timed round, its writes are already undone)."""
    return {name: value for name, value in figures.items() if not callable(value)}


def unsteady(samples: list[dict[str, Any]], reference: dict[str, Any]) -> list[str]:
    """A correct variant's figures are the reference's in every call (no lost update, ever)."""
    for i, recorded in enumerate(samples, 1):
        if recorded != reference:
            return [f"recorded figures of call {i} of {len(samples)}: {recorded}, the "
                    f"reference's: {reference}"]  # fmt: skip
    return []
