"""The probes of a checked call, each filling its own figure: no server, SQLite in memory, in a
process of its own (another test of the session may have configured Django for its server)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PROBED_CALL = """
import contextlib, json, threading
from ormbench.settings import configure
configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
from django.db import connection, transaction
from ormbench.worker.probes.call import Clock, Queries, Statements, Threads, Wire

connection.ensure_connection()
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
print(json.dumps({name: value for probe in probes for name, value in probe.figures().items()}))
"""


def test_each_probe_fills_its_own_figure_of_one_call() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBED_CALL], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["queries"] == 4  # BEGIN, two SELECTs, COMMIT: what Django logs
    # statements through the cursors, what the timed rounds count: SQLite's BEGIN runs through
    # one, the COMMIT is the driver's and only logged
    assert figures["executed"] == 3
    assert figures["threads"] == 1
    assert figures["round_trips"] is None and figures["connects"] == 0  # no wire, no new open
    assert figures["seconds"] > 0 and 0 <= figures["cpu_share"] <= 1
    assert figures.keys() == {
        "queries",
        "executed",
        "threads",
        "round_trips",
        "connects",
        "seconds",
        "cpu_share",
    }
