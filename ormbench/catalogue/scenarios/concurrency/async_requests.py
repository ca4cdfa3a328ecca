"""n "requests" of three queries each (a book by key, the count of its author's books, its
reviews): one after another with the sync ORM, against all at once with the async ORM
(`aget`, `acount`, `async for`) under `asyncio.gather`.

The honest result is that the async ORM is not faster here, and it is not meant to be: Django's
async query methods wrap the same sync database calls in `sync_to_async(thread_sensitive=True)`,
so the queries of all the requests still run one after another, on one thread and one
connection, with the cost of handing each one to that thread and back on top. What to take from
it: async views pay off when a request waits on something other than this database (an HTTP
API, a second service); gathering ORM calls does not parallelise them. As in an ASGI server, the
event loop runs for the whole block of calls in a thread of its own, beside the thread that owns
the connection (`around`): `async_to_sync` hands each call's coroutine to it and the queries
come back to the main connection, where they are counted. Left to itself, async_to_sync would
start a thread and a new event loop in every call.
"""

import asyncio
import contextlib
import os
import threading

from asgiref.sync import SyncToAsync, async_to_sync

from ormbench.catalogue.models_app.models import Book, Review
from ormbench.declare.scenario import Scenario

async_requests = Scenario("async_requests", sizes=(10, 50))


def request(pk):
    book = Book.objects.get(pk=pk)
    by_author = Book.objects.filter(author_id=book.author_id).count()
    reviews = [r.rating for r in Review.objects.filter(book_id=pk)]
    return book.title, by_author, reviews


async def arequest(pk):
    book = await Book.objects.aget(pk=pk)
    by_author = await Book.objects.filter(author_id=book.author_id).acount()
    reviews = [r.rating async for r in Review.objects.filter(book_id=pk)]
    return book.title, by_author, reviews


@async_requests.naive(queries=lambda n: 3 * n)
def sync_sequential(n):
    """The requests one after another with the sync ORM: 3n queries."""
    return [request(pk) for pk in range(1, n + 1)]


async def gathered(n):
    return await asyncio.gather(*(arequest(pk) for pk in range(1, n + 1)))


@contextlib.contextmanager
def event_loop_running():
    """An event loop in a thread of its own, named as this thread's (asgiref reads it from
    SyncToAsync.threadlocal, where its SyncToAsync puts it for the sync code it runs), so that
    async_to_sync runs the coroutine there, as under an ASGI server, and the thread-sensitive
    ORM calls come back here."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ormbench-event-loop")
    thread.start()
    local = SyncToAsync.threadlocal
    local.main_event_loop, local.main_event_loop_pid = loop, os.getpid()
    try:
        yield
    finally:
        del local.main_event_loop, local.main_event_loop_pid
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@async_requests.optimized(queries=lambda n: 3 * n, around=event_loop_running)
def async_gather(n):
    """asyncio.gather() of the n requests with aget(), acount() and async for: the same 3n
    queries, each handed to the connection's thread and back."""
    return list(async_to_sync(gathered)(n))
