"""pytest plugin: every (scenario, variant, n) becomes one item timed by pytest-benchmark.

The worker runs `pytest ormbench/worker/timed_cases.py` with this plugin, against one database that
Django is already configured for; the plugin parametrizes the one test function there over the
cases. `-k` selects cases by their ids, `<database>-<scenario>-<variant>-n<n>`. Items that fail or
are skipped go into the worker's answer so the run can report them next to the timings.
"""

from __future__ import annotations

from typing import Any

import pytest

from ormbench.dataset import scales
from ormbench.declare.scenario import Case
from ormbench.errors import ScenarioMismatch
from ormbench.present.progress import Progress
from ormbench.protocol import CaseOutcome, WorkerAnswer
from ormbench.worker.measure import Harness
from ormbench.worker.probes import profile
from ormbench.worker.probes.profile import PROFILE

_HARNESS_KEY = pytest.StashKey[Harness]()
_CASES_KEY = pytest.StashKey[list[Case]]()
_ANSWER_KEY = pytest.StashKey[WorkerAnswer]()
_PROGRESS_KEY = pytest.StashKey[tuple[Progress, dict[str, Case]]]()


def install(
    config: pytest.Config, harness: Harness, cases: list[Case], answer: WorkerAnswer
) -> None:
    """Give the plugin its harness, its cases and the answer it fills (called by the worker
    before collection)."""
    config.stash[_HARNESS_KEY] = harness
    config.stash[_CASES_KEY] = cases
    config.stash[_ANSWER_KEY] = answer


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        harness = metafunc.config.stash[_HARNESS_KEY]
        cases = metafunc.config.stash[_CASES_KEY]
        metafunc.parametrize("case", cases, ids=[f"{harness.database}-{c.id}" for c in cases])


@pytest.fixture
def harness(request: pytest.FixtureRequest) -> Harness:
    return request.config.stash[_HARNESS_KEY]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell the harness which cases survived `-k` (it checks isolation after each scenario),
    and start the progress line."""
    if _HARNESS_KEY in session.config.stash:
        harness = session.config.stash[_HARNESS_KEY]
        chosen = {
            item.nodeid: item.callspec.params["case"]
            for item in session.items
            if hasattr(item, "callspec")
        }
        try:
            harness.plan(list(chosen.values()))
        except Exception as exc:  # noqa: BLE001 - the server went away before the first case
            session.config.stash[_ANSWER_KEY].error = _one_line(exc)
            session.items.clear()  # nothing can be timed
            return
        session.config.stash[_PROGRESS_KEY] = (Progress(harness.database, len(chosen)), chosen)


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def pytest_runtest_teardown(item: pytest.Item) -> None:
    if _PROGRESS_KEY in item.config.stash:
        progress, chosen = item.config.stash[_PROGRESS_KEY]
        case = chosen.get(item.nodeid)
        if case is not None:
            progress.step(case.family, case.variant.name, case.n)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    callspec = getattr(item, "callspec", None)
    if report.outcome == "passed" or callspec is None or "case" not in callspec.params:
        return
    case: Case = callspec.params["case"]
    entry = CaseOutcome(scenario=case.family, variant=case.variant.name, n=str(case.n))
    answer = item.config.stash[_ANSWER_KEY]
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        answer.skipped.append({**entry, "reason": reason.removeprefix("Skipped: ")})
    elif call.excinfo is not None and isinstance(call.excinfo.value, ScenarioMismatch):
        why = call.excinfo.value.why
        answer.failed.append({**entry, "phase": report.when, "invalid": "1", "error": why})
    else:
        message = call.excinfo.exconly() if call.excinfo else str(report.longrepr)
        answer.failed.append({**entry, "phase": report.when, "error": message.splitlines()[0]})


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Any:
    """The worker's own figures into its answer. First, cases still waiting for their counted
    calls (their scenario's last case did not run) are counted: before pytest-benchmark writes
    the benchmarks, in its own wrapper of this hook."""
    harness = session.config.stash.get(_HARNESS_KEY, None)
    if harness is not None and harness.counter is not None:
        harness.counter.flush()
    yield
    if _ANSWER_KEY not in session.config.stash:
        return
    figures = session.config.stash[_ANSWER_KEY].figures
    figures["peak_rss_bytes"] = scales.peak_rss()
    harness = session.config.stash[_HARNESS_KEY]
    spent = PROFILE.seconds
    figures["effect_check_seconds"] = spent.get(profile.EFFECTS, 0.0)
    figures["quiet"] = harness.quiet.record()
    if harness.snapshots is not None:
        figures["restore_seconds"] = spent.get(profile.RESTORES, 0.0)
        figures["snapshot_seconds"] = spent.get(profile.SNAPSHOTS, 0.0)
    figures["profile_seconds"] = PROFILE.total()
