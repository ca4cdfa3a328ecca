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
