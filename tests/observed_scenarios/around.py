"""A variant that needs a thread running beside its calls: entered around each block of calls."""

import contextlib
import threading

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Scenario

beside_a_thread = Scenario("beside_a_thread", sizes=(5, 10))
entered = {"blocks": 0}  # blocks under way


@contextlib.contextmanager
def a_thread_running():
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    entered["blocks"] += 1
    try:
        yield
    finally:
        entered["blocks"] -= 1
        stop.set()
        helper.join()


@beside_a_thread.naive(queries=1, around=a_thread_running)
def titles(n):
    """The first n titles, and whether the call ran inside its block (every call must)."""
    found = list(Book.objects.filter(pk__lte=n).values_list("title", flat=True))
    return found, entered["blocks"]


@beside_a_thread.optimized(queries=1, around=a_thread_running)
def titles_in_order(n):
    """The same, ordered by key."""
    found = list(Book.objects.filter(pk__lte=n).order_by("pk").values_list("title", flat=True))
    return found, entered["blocks"]
