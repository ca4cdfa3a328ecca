"""Round trips, counted on the wire: what a query count cannot see.

A query count is what Django logs. A server-side cursor fetches in several round trips but is
logged once (PostgreSQL's iterator()), and MySQLdb's `SET autocommit=1` after a commit is not
logged at all; under latency each costs a round trip. So the checked call of every case on a
networked database runs on a second connection, through a zero-delay proxy that counts client
bursts: every time the client sends after the server last spoke (or first) is one round trip.
Timed rounds use the direct connection: the proxy's thread hops would be timed otherwise.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from bench.servers import proxy


class TripCounter:
    """Counts client bursts from the proxy's chunk directions."""

    def __init__(self) -> None:
        self.trips = 0
        self._last = "down"
        self._lock = threading.Lock()

    def __call__(self, direction: str) -> None:
        with self._lock:
            if direction == "up" and self._last == "down":
                self.trips += 1
            self._last = direction


class RoundTrips:
    """Swaps Django's default connection for one through the counting proxy, while told to."""

    def __init__(self, relay: proxy.Proxy, counter: TripCounter) -> None:
        self._relay = relay
        self._counter = counter
        self._counted: Any = None

    @contextlib.contextmanager
    def connection(self) -> Iterator[None]:
        """Everything on the default alias goes through the counting proxy in this block."""
        from django.db import connections

        direct = connections["default"]
        if self._counted is None:
            settings = {**direct.settings_dict, "HOST": self._relay.host}
            self._counted = type(direct)({**settings, "PORT": str(self._relay.port)}, "default")
        connections["default"] = self._counted
        try:
            self._counted.ensure_connection()
            yield
        finally:
            connections["default"] = direct

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[int]]:
        """Yields a one-item list that holds the round trips of the block once it ends."""
        found = [0]
        before = self._counter.trips
        try:
            yield found
        finally:
            found[0] = self._counter.trips - before

    def close(self) -> None:
        if self._counted is not None:
            self._counted.close()


@contextlib.contextmanager
def counted(entry: dict[str, Any]) -> Iterator[RoundTrips | None]:
    """A round-trip counter for a networked database's DATABASES entry; None for SQLite."""
    host = entry.get("HOST") or ""
    if "sqlite" in entry["ENGINE"] or not host or host.startswith("/"):
        yield None  # in-process, or a Unix socket the proxy cannot stand in for
        return
    counter = TripCounter()
    with proxy.delayed(entry["HOST"], int(entry["PORT"]), 0.0, observe=counter) as relay:
        trips = RoundTrips(relay, counter)
        try:
            yield trips
        finally:
            trips.close()
