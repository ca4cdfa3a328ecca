"""Several clients at once, for the scenarios about races and locks: each in a thread of its
own, with its own connection (Django's connections are per thread).

`clients(count)` is a variant's `around` (`ormbench.declare.scenario.Around`): its threads start
and open their connections once for a block of calls, as an application server's workers are up
before the requests come, and `at_once` hands each its work and waits for all; the threads' start
and their connections' opening and closing stay out of the timing. Outside such a block,
`at_once` starts the threads itself and closes their connections when they end."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future

Work = Callable[[], object]
_running: list[Clients] = []  # the clients of the block under way


class Clients:
    """Threads waiting for work, each with its connection open."""

    def __init__(self, count: int) -> None:
        self._inboxes: list[queue.Queue[Callable[[], None] | None]] = [
            queue.Queue() for _ in range(count)
        ]
        self._ready = threading.Barrier(count + 1)
        self._threads = [
            threading.Thread(target=self._serve, args=(inbox,), name=f"ormbench-client-{i}")
            for i, inbox in enumerate(self._inboxes)
        ]
        for thread in self._threads:
            thread.start()
        try:
            self._ready.wait()  # every connection open
        except threading.BrokenBarrierError:
            self.stop()
            raise RuntimeError("a client thread could not open its connection") from None

    def __len__(self) -> int:
        return len(self._threads)

    def _serve(self, inbox: queue.Queue[Callable[[], None] | None]) -> None:
        from django.db import connection

        try:
            try:
                connection.ensure_connection()
            except BaseException:
                self._ready.abort()  # the block fails to start: its caller hears why
                raise
            self._ready.wait()
            while (job := inbox.get()) is not None:
                job()
        except threading.BrokenBarrierError:
            pass  # another client could not connect
        finally:
            connection.close()

    def run(self, works: tuple[Work, ...]) -> None:
        """Each work in its own client, all released together; raises what one raised."""
        start = threading.Barrier(len(works))
        done: list[Future[object]] = []
        for inbox, work in zip(self._inboxes, works, strict=True):
            future: Future[object] = Future()

            def job(work: Work = work, future: Future[object] = future) -> None:
                try:
                    start.wait()
                    future.set_result(work())
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                    future.set_exception(exc)

            inbox.put(job)
            done.append(future)
        for future in done:
            future.result()

    def stop(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join()


@contextlib.contextmanager
def clients(count: int) -> Iterator[Clients]:
    """`count` clients up for the block (`functools.partial(clients, 4)` as an `around`)."""
    running = Clients(count)
    _running.append(running)
    try:
        yield running
    finally:
        _running.remove(running)
        running.stop()


def at_once(*works: Work) -> None:
    """Run each callable in its own client, all started together; return when all are done."""
    if _running and len(_running[-1]) == len(works):
        _running[-1].run(works)
        return
    from django.db import connection

    def closing(work: Work) -> None:
        try:
            work()
        finally:
            connection.close()

    threads = [threading.Thread(target=closing, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
