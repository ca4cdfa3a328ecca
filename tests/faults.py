"""The fault suite's watch and tally (a pytest plugin, loaded by conftest).

A test marked `fault` injects a fault (a kill at some phase, a full disk, a read-only or
look-alike folder, a dead server, EMFILE, two runs at once, a killed parent, another account at
the door); one marked `bad_input` tries a bad or hostile input. Each asserts what it owes the
user. Around each
one this watch measures, the same way for all of them, what the issue's figures count:

- leftovers: server processes and ormbench-* server folders that were not there before the test
  and are still there ten seconds after it, and half-written files of dead processes (the
  suite's own staging names) in the test's folder: each is a failure of that test;
- run files: the whole and the half-written run files found in a fault test's folder afterwards
  (a bad input's corrupt file is planted, so not counted);
- tracebacks: in the output of every command the test ran through conftest's helpers
  (`bench`, `compare`, `in_process`, `BenchProcess`), which report it with `heard`: each is a
  failure of that test.

The tally closes every test session, so the CI log carries the figures; under pytest-xdist each
test's figures travel to the controller with its teardown report."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

KINDS = ("fault", "bad_input")
LEFTOVER_GRACE = 10.0  # seconds: a server's last child process may take a moment to exit
# A dataset cache file being written: `.<name>.<pid>.tmp` (ormbench.dataset.cache).
CACHE_STAGING = re.compile(r"\..+\.(?P<pid>\d+)\.tmp")

WATCHED = "fault_watch"  # the name of the watch's figures among a test's user properties
outcomes: dict[str, str] = {}  # test id -> "held", "failed" or "skipped"
watched: dict[str, str] = {}  # test id -> its kind, as its reports arrive
figures = {"leftovers": 0, "whole runs": 0, "half runs": 0, "outputs": 0, "tracebacks": 0}
_heard: list[str] = []


def heard(output: str) -> None:
    """What a command printed, for the traceback count."""
    _heard.append(output)


def servers_and_folders() -> tuple[set[str], set[Path]]:
    from tests.conftest import ormbench_folders, ormbench_processes

    return set(ormbench_processes()), set(ormbench_folders())


def left_behind(processes: set[str], folders: set[Path]) -> tuple[set[str], set[Path]]:
    """Server processes and ormbench-* server folders that were not there before."""
    deadline = time.monotonic() + LEFTOVER_GRACE
    while True:
        now = servers_and_folders()
        extra = (now[0] - processes, now[1] - folders)
        if extra == (set(), set()) or time.monotonic() > deadline:
            return extra
        time.sleep(0.2)


def half_written(folder: Path) -> list[Path]:
    """The suite's staging files under `folder` whose writer is gone."""
    from ormbench.servers.base import alive
    from ormbench.store import STAGING

    found = []
    for path in folder.rglob(".*"):
        named = STAGING.fullmatch(path.name) or CACHE_STAGING.fullmatch(path.name)
        pid = named.groupdict().get("pid") if named else None
        if named and not (pid and alive(int(pid))):
            found.append(path)
    return found


# How the suite names a run file (`ormbench.store.save_run`): a user's own files are left out.
RUN_FILE = re.compile(r"\d{8}T\d{6}Z_.+\.json")


def run_files(folder: Path) -> tuple[int, int]:
    """The suite's run files under `folder`: how many are whole, how many half-written."""
    whole = half = 0
    for path in folder.rglob("runs/*.json"):
        if not RUN_FILE.fullmatch(path.name):
            continue
        try:
            stored = "ormbench" in json.loads(path.read_text())
        except (OSError, ValueError):
            stored = False
        whole, half = (whole + 1, half) if stored else (whole, half + 1)
    return whole, half


def kind_of(keywords: Any) -> str | None:
    """The test's kind, "fault" or "bad_input", from its markers (an item's or a report's
    keywords); None for any other test."""
    return next((kind for kind in KINDS if kind in keywords), None)


@pytest.fixture(autouse=True)
def fault_watch(request: pytest.FixtureRequest) -> Iterator[None]:
    kind = kind_of(request.node.keywords)
    if kind is None:
        yield
        return
    folder = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    before = servers_and_folders()
    first_output = len(_heard)
    yield
    processes, folders = left_behind(*before)
    staged = half_written(folder) if folder else []
    # a bad input's corrupt file is planted, not written by the suite
    whole, half = run_files(folder) if folder and kind == "fault" else (0, 0)
    said = _heard[first_output:]
    tracebacks = sum(text.count("Traceback (most recent call last)") for text in said)
    # Carried by the teardown's report: under pytest-xdist, to the process that tallies.
    seen = {"leftovers": len(processes) + len(folders) + len(staged), "whole runs": whole,
            "half runs": half, "outputs": len(said), "tracebacks": tracebacks}  # fmt: skip
    request.node.user_properties.append((WATCHED, seen))
    problems = [*sorted(processes), *map(str, sorted(folders)), *map(str, staged)]
    assert not problems, f"left behind: {problems}"
    assert not tracebacks, "a command printed a traceback"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    kind = kind_of(report.keywords)
    if kind is None:
        return
    watched[report.nodeid] = kind
    if report.failed:
        outcomes[report.nodeid] = "failed"
    elif report.skipped:
        outcomes[report.nodeid] = "skipped"
    elif report.when == "call":
        outcomes.setdefault(report.nodeid, "held")
    if report.when == "teardown":
        for name, seen in report.user_properties:
            if name == WATCHED:
                for figure, value in seen.items():
                    figures[figure] += value


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not outcomes:
        return
    counts = {kind: list(outcomes.values()).count(kind) for kind in ("held", "failed", "skipped")}
    inputs = sum(1 for nodeid in outcomes if watched[nodeid] == "bad_input")
    terminalreporter.write_line(
        f"fault suite: {len(outcomes) - inputs} faults injected and {inputs} bad inputs tried; "
        f"{counts['held']} held, {counts['failed']} failed, {counts['skipped']} skipped; "
        f"run files found afterwards: {figures['whole runs']} whole, {figures['half runs']} "
        f"half-written; leftovers found: {figures['leftovers']} (server processes, "
        f"ormbench-* server folders, staging files of dead processes); tracebacks: "
        f"{figures['tracebacks']} in {figures['outputs']} command outputs read"
    )
