"""Round trips, counted on the wire: what a query count cannot see.

A query count is what Django logs. A server-side cursor fetches in several round trips but is
logged once (PostgreSQL's iterator()), and MySQLdb's `SET autocommit=1` after a commit is not
logged at all; under latency each costs a round trip. So the checked call of every case on a
networked database runs on a second connection, through a zero-delay proxy that counts client
bursts: every time the client sends after the server last spoke (or first) is one round trip.
Timed rounds use the direct connection: the proxy's thread hops would be timed otherwise.

The proxy also counts the connections it accepts: a call that opens connections (a request
loop with CONN_MAX_AGE=0, a connection pool filling up) shows each one, pooled ones included,
which Django's own connection_created signal cannot tell apart from a checkout. On SQLite,
which has no wire and no pool, each connection_created is a real open of the file. Threads
that a variant starts connect straight to the server, as their own connections are built from
the settings: neither their round trips nor their connects are counted.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ormbench.servers import proxy


@dataclass
class OnTheWire:
    """What a block sent: round trips (None without a wire) and connections opened."""

    trips: int | None = None
    connects: int = 0


class TripCounter:
    """Counts client bursts from the proxy's chunk directions, and the connections it opened."""

    def __init__(self) -> None:
        self.trips = 0
        self.connects = 0
        self._last = "down"
        self._lock = threading.Lock()

    def __call__(self, direction: str) -> None:
        with self._lock:
            if direction == "open":  # a new connection: its first message is a round trip
                self.connects += 1
                self._last = "down"
                return
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
    def counting(self) -> Iterator[OnTheWire]:
        """Yields what holds the round trips and connections of the block once it ends."""
        found = OnTheWire(0)
        trips, connects = self._counter.trips, self._counter.connects
        try:
            yield found
        finally:
            found.trips = self._counter.trips - trips
            found.connects = self._counter.connects - connects

    def close(self) -> None:
        if self._counted is not None:
            self._counted.close()


@contextlib.contextmanager
def connections_opened() -> Iterator[OnTheWire]:
    """Without a wire: the connections Django opened in the block (round trips stay None)."""
    from django.db.backends.signals import connection_created

    found = OnTheWire()

    def opened(sender: Any, connection: Any, **kwargs: Any) -> None:
        found.connects += 1

    connection_created.connect(opened, weak=False)
    try:
        yield found
    finally:
        connection_created.disconnect(opened)


@contextlib.contextmanager
def queries_on_replica() -> Iterator[list[dict[str, Any]]]:
    """The queries a block sent to the replica (none without one): they count as its queries.
    Its round trips are not counted: the replica's wire is not watched."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    found: list[dict[str, Any]] = []
    if "replica" not in connections.databases:
        yield found
        return
    connections["replica"].queries_log = deque()
    with CaptureQueriesContext(connections["replica"]) as captured:
        yield found
    found += captured.captured_queries


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
