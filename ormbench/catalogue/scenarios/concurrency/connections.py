"""n requests served as Django serves them (request_started, three queries, request_finished),
under the connection settings teams argue about: CONN_MAX_AGE=0 (the default), a persistent
connection (600 s), persistent with CONN_HEALTH_CHECKS, and psycopg's pool on PostgreSQL
(`OPTIONS: {"pool": ...}`, Django 5.1+).

`+Nc` beside the query count is the connections the n requests opened, counted on the wire.
With CONN_MAX_AGE=0, request_finished closes the connection and the next request opens one: n
connects, each several round trips plus authentication and a server process (PostgreSQL) or
thread (MariaDB). Persistent connections open one; health checks add a ping per request (a
round trip, not a query); the pool, opened once outside the timing as a server process opens it
(`around`), hands out its connection per request and opens none. What to take from it: run the
comparison under `--latency`, where a connect costs what it costs across a network; on SQLite
a "connect" is opening a file.
"""

import contextlib

from django.core.handlers.base import BaseHandler
from django.core.signals import request_finished, request_started
from django.db import connection

from ormbench.catalogue.models_app.models import Book
from ormbench.declare.scenario import Requires, Scenario

# 200 requests from m on, where a persistent connection's one connect is spread the thinnest
connections = Scenario(
    "connections", sizes={"xs": (10, 50), "s": (10, 50), "m": (10, 50, 200), "l": (10, 50, 200)}
)

POOL = {"min_size": 1, "max_size": 1}  # one worker thread: a pool of one, as a persistent one


def queries(connects):
    """3 per request; MySQL/MariaDB also logs one statement per connect (Django's session
    setup), so its count shows the connects too."""
    return {"mysql": lambda n: 3 * n + connects(n), "default": lambda n: 3 * n}


@contextlib.contextmanager
def serving_with(**settings):
    """The default connection under these settings; closed before (every variant starts without
    a connection) and after (the next user connects with the settings it had)."""
    entry = connection.settings_dict
    saved = {key: entry.get(key) for key in settings}
    connection.close()
    entry.update(settings)
    try:
        yield
    finally:
        connection.close()
        if hasattr(connection, "close_pool"):  # PostgreSQL's, with psycopg's pool (Django 5.1+)
            connection.close_pool()
        entry.update(saved)


def request(pk):
    book = Book.objects.select_related("author").get(pk=pk)
    reviews = book.reviews.count()
    same_author = Book.objects.filter(author_id=book.author_id).count()
    return book.title, book.author.name, reviews, same_author


def serve(n):
    """n requests, with the signals Django's handler sends around each (they close or keep the
    connection by the settings: `close_old_connections`)."""
    out = []
    for pk in range(1, n + 1):
        request_started.send(sender=BaseHandler)
        try:
            out.append(request(pk))
        finally:
            request_finished.send(sender=BaseHandler)
    return out


@connections.naive(queries=queries(lambda n: n))
def conn_max_age_0(n):
    """CONN_MAX_AGE=0: a new connection per request, closed by request_finished."""
    with serving_with(CONN_MAX_AGE=0):
        return serve(n)


@connections.optimized(queries=queries(lambda n: 1))
def persistent(n):
    """CONN_MAX_AGE=600: the first request connects, the others reuse it."""
    with serving_with(CONN_MAX_AGE=600):
        return serve(n)


@connections.optimized(queries=queries(lambda n: 1))
def health_checks(n):
    """CONN_MAX_AGE=600 with CONN_HEALTH_CHECKS=True: one connection, checked (a ping) at the
    start of each request after the first."""
    with serving_with(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True):
        return serve(n)


@contextlib.contextmanager
def pool_open():
    """The pool as a server process has it: opened, filled and its worker thread started once,
    before the requests (and closed after them), outside the timing."""
    options = {**connection.settings_dict["OPTIONS"], "pool": POOL}
    with serving_with(CONN_MAX_AGE=0, OPTIONS=options):
        connection.ensure_connection()  # the pool opens, fills, and lends its connection
        connection.close()  # lent back
        yield


@connections.optimized(
    queries=lambda n: 3 * n,
    applies=Requires(
        vendors=("postgresql",),
        why="psycopg's pool is PostgreSQL's: Django 5.2 pools no other backend",
    ),
    around=pool_open,
)
def psycopg_pool(n):
    """OPTIONS["pool"] (psycopg_pool, Django 5.1+), CONN_MAX_AGE=0, the pool already open:
    request_finished returns the connection to the pool instead of closing it."""
    return serve(n)
