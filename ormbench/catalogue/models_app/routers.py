"""The guides' primary/replica router: every read to "replica", every write to "default".

It routes only inside `reads_from_replica()`, so that the harness (which checks results and
restores rows on the primary) and every other scenario read the primary as before; a scenario
that measures the replica turns it on around what it times, as a deployment turns it on for
every request."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_routing = threading.local()


@contextlib.contextmanager
def reads_from_replica() -> Iterator[None]:
    """Route reads to the replica in this thread while the block runs."""
    _routing.on = True
    try:
        yield
    finally:
        _routing.on = False


class PrimaryReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "replica" if getattr(_routing, "on", False) else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
