"""The probes of a checked call, each filling its own figure: no server, SQLite in memory."""

from __future__ import annotations

import contextlib
import threading

import pytest

from ormbench.settings import configure
from ormbench.worker.probes.call import Clock, Queries, Statements, Threads, Wire


@pytest.fixture(scope="module", autouse=True)
def django_models() -> None:
    from django.conf import settings

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


def test_each_probe_fills_its_own_figure_of_one_call() -> None:
    from django.db import connection, transaction

    probes = [Queries(), Statements(), Wire(None), Threads(), Clock()]
    with contextlib.ExitStack() as probing:
        for probe in probes:
            probing.enter_context(probe)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        worker = threading.Thread(target=lambda: None)
        worker.start()
        worker.join()
    figures = {name: value for probe in probes for name, value in probe.figures().items()}
    assert figures["queries"] == 4  # BEGIN, two SELECTs, COMMIT: what Django logs
    # statements through the cursors, what the timed rounds count: SQLite's BEGIN runs through
    # one, the COMMIT is the driver's and only logged
    assert figures["executed"] == 3
    assert figures["threads"] == 1
    assert figures["round_trips"] is None and figures["connects"] == 0  # SQLite: no wire
    assert figures["seconds"] > 0 and 0 < figures["cpu_share"] <= 1
    assert figures.keys() == {
        "queries",
        "executed",
        "threads",
        "round_trips",
        "connects",
        "seconds",
        "cpu_share",
    }
