"""Several clients at once, for the scenarios about races and locks: each in a thread of its
own, with its own connection (Django's connections are per thread), closed when it ends."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(*works: Callable[[], object]) -> None:
    """Run each callable in its own thread, all started together; return when all are done."""
    from django.db import connection

    def closing(work: Callable[[], object]) -> None:
        try:
            work()
        finally:
            connection.close()

    threads = [threading.Thread(target=closing, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
