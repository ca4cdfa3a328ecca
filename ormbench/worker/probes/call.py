"""The probes of one checked call, one figure each, in the style of Django's
CaptureQueriesContext: each is a context manager around the call that says what it saw as
fields of the check (`figures()`, named as `ormbench.worker.check.Check` names them). They are
composed in one place, `ormbench.worker.measure.Harness.check`, in the order listed there.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ormbench.worker.probes.roundtrips import (
    OnTheWire,
    RoundTrips,
    connections_opened,
    queries_on_replica,
)


class Probe(Protocol):
    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...

    def figures(self) -> dict[str, Any]:
        """What it saw, by the check's field names (after the block)."""
        ...


class _Around:
    """A probe built from a context manager: entered and left with the block."""

    def __enter__(self) -> Any:
        self._stack = contextlib.ExitStack()
        self._stack.__enter__()
        self.enter(self._stack)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)

    def enter(self, stack: contextlib.ExitStack) -> None:
        raise NotImplementedError


class Clock(_Around):
    """seconds, and cpu_share: the process's CPU time over the call's wall time (the rest is
    waiting on a socket or a disk)."""

    def enter(self, stack: contextlib.ExitStack) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        stack.callback(self._stop)

    def _stop(self) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu

    def figures(self) -> dict[str, Any]:
        share = min(1.0, self.cpu / self.seconds) if self.seconds > 0 else None
        return {"seconds": self.seconds, "cpu_share": share}


class Queries(_Around):
    """queries: what Django logged on the main connection and on the replica (a read routed
    there is a query all the same)."""

    def enter(self, stack: contextlib.ExitStack) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self._main = stack.enter_context(CaptureQueriesContext(connection))
        self.on_replica = stack.enter_context(queries_on_replica())

    @property
    def statements(self) -> list[str]:
        return [q["sql"] for q in self._main.captured_queries + self.on_replica]

    def figures(self) -> dict[str, Any]:
        return {"queries": len(self.statements)}


@dataclass
class StatementCounter:
    """A Django execute wrapper counting statements: a function call, nothing logged."""

    count: int = 0
    counting: bool = True

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.count += self.counting
        return execute(*args)


class Statements(_Around):
    """executed: statements through the main connection's cursors (what the timed rounds count;
    the query log also holds transaction control that Django logs without a cursor)."""

    def enter(self, stack: contextlib.ExitStack) -> None:
        from django.db import connection

        self._counter = StatementCounter()
        stack.enter_context(connection.execute_wrapper(self._counter))

    def figures(self) -> dict[str, Any]:
        return {"executed": self._counter.count}


class Wire(_Around):
    """round_trips on the wire (None without one: SQLite) and connects, the connections the
    call opened (`ormbench.worker.probes.roundtrips`)."""

    def __init__(self, wire: RoundTrips | None) -> None:
        self._wire = wire

    def enter(self, stack: contextlib.ExitStack) -> None:
        watched = self._wire.counting() if self._wire else connections_opened()
        self.found: OnTheWire = stack.enter_context(watched)

    def figures(self) -> dict[str, Any]:
        return {"round_trips": self.found.trips, "connects": self.found.connects}


class Threads(_Around):
    """threads: the threads the call started (a pool's, an executor's, a scenario's own
    clients). Each thread start passes through `threading.Thread.start`."""

    def enter(self, stack: contextlib.ExitStack) -> None:
        self.count = stack.enter_context(threads_started())

    def figures(self) -> dict[str, Any]:
        return {"threads": self.count.count}


@dataclass
class Started:
    count: int = 0


@contextlib.contextmanager
def threads_started() -> Iterator[Started]:
    """Counts the threads started inside: the instructions of a call that starts threads
    depend on how they interleave, so such a call is not counted (`ormbench.worker.counting`)."""
    started = Started()
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.count += 1
        original(thread)

    threading.Thread.start = start  # type: ignore[method-assign,assignment]
    try:
        yield started
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]
