"""One database's share of a run, in its own process: schema, dataset, then the timed cases.

The parent starts it with a `WorkerSpec` (`ormbench.protocol`) and reads its one
`WorkerAnswer` once it has exited: what it found (versions, server settings, the dataset and its
checksum), the scenarios' labels, pytest-benchmark's document of the cases, the cases that
failed or were skipped, and its own figures; or the setup error, one line. A "load" spec times
the loader instead (`worker.load`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ormbench import project
from ormbench.protocol import EXIT_SETUP_FAILED, ScenarioInfo, WorkerAnswer, WorkerSpec

PR_SET_PDEATHSIG = 1  # prctl(2)
EXIT_PARENT_GONE = 4

if TYPE_CHECKING:  # imported once Django is configured
    from ormbench.dataset.scales import Scale
    from ormbench.declare.scenario import Case, Mode, Scenario
    from ormbench.worker.measure import Harness


def main() -> int:
    spec = WorkerSpec.from_environment()
    _die_with(spec.parent)
    answer = WorkerAnswer(spec.database)
    try:
        return _answer(spec, answer)
    finally:
        answer.dump(spec.answer_path, secret=str(spec.django.get("PASSWORD") or ""))


def _die_with(parent: int) -> None:
    """Stop when the parent dies (SIGKILL leaves it no time to stop us): nobody would read the
    answer, and the server this worker uses is about to be removed. Linux's parent-death signal;
    elsewhere, and before it was set, the parent's pid tells."""
    if not parent:
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(EXIT_PARENT_GONE)


def _answer(spec: WorkerSpec, answer: WorkerAnswer) -> int:
    if spec.task == "load":
        from ormbench.worker.load import load_child

        answer.loading = load_child(spec)
        return 0
    # Ctrl-C reaches the whole process group; the parent owns the servers and the cleanup, and
    # ends this worker with SIGTERM when it decides to stop. Here Ctrl-C is ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        harness, selected = prepare(spec, answer)
    except Exception as exc:  # noqa: BLE001 - reported by the parent as one line per database
        answer.error = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return EXIT_SETUP_FAILED
    from ormbench.worker.probes import roundtrips

    # A counting process checks each case through no proxy: its round trips are the timed
    # processes' figure, and the proxy's thread would run beside every checked call.
    wire = roundtrips.counted(spec.django) if harness.counter is None else contextlib.nullcontext()
    with wire as harness.round_trips:
        return run_cases(spec, harness, selected, answer)


def prepare(spec: WorkerSpec, answer: WorkerAnswer) -> tuple[Harness, list[Case]]:
    """Django, the schema and the dataset; what was found goes into `answer`."""
    from ormbench.settings import configure

    project.use(project.Project(**spec.project) if spec.project else project.Project())
    configure(spec.django, spec.replica)

    import django
    from django.core.management import call_command
    from django.db import connection

    from ormbench.dataset import scales
    from ormbench.declare.scenario import cases, discover
    from ormbench.servers.registry import describe
    from ormbench.worker.measure import Harness
    from ormbench.worker.probes import profile
    from ormbench.worker.state import isolation

    size = scales.scale(spec.scale)
    with profile.PROFILE.phase(profile.SETUP):
        call_command("migrate", verbosity=0)
    with profile.PROFILE.phase(profile.LOAD):
        loading = _load(size, spec.seed)
        checksum = isolation.checksum()
    scenarios = discover(spec.packages)
    answer.found = {
        "database": spec.database,
        "django": {"version": django.get_version(), **(spec.django_source or {})},
        "python": platform.python_version(),
        "vendor": connection.vendor,
        **describe(connection),
        "dataset": {
            "scale": size.name,
            "seed": spec.seed,
            "checksum": checksum,
            "rows": sum(isolation.row_counts().values()),
            **loading,
        },
    }
    answer.scenarios = {
        s.family(mode): _scenario_info(s, mode, size.name)
        for s in scenarios.values()
        for mode in s.run_modes
    }
    counter = _counter(spec)
    harness = Harness(
        spec.database,
        connection.vendor,
        size.name,
        spec.policy,
        spec.latency_ms,
        spec.shared,
        counter=counter,
    )
    selected = cases(scenarios, size.name, spec.policy.flip)
    if counter is not None:  # a counting process leaves out what its plan says
        selected = [case for case in selected if counter.counts(case.id)]
    return harness, selected


def _load(size: Scale, seed: int) -> dict[str, Any]:
    """The dataset into an empty database (a second latency on the same server reuses it);
    what loading it took."""
    from ormbench.dataset import cache, loader
    from ormbench.dataset import tables as dataset

    loading: dict[str, Any] = {"loaded_before": dataset.is_loaded()}
    if loading["loaded_before"]:
        return loading
    if project.current().external:
        return loading | {"load_seconds": loader.load_project(size.name, seed)}
    started = time.perf_counter()
    data, cached = cache.generate_cached(size, seed)
    seconds = loader.load(data)
    return loading | {
        "from_cache": cached,
        "load_seconds": seconds,
        "generate_seconds": time.perf_counter() - started - seconds,
        "load_rows_per_second": data.row_count / seconds,
    }


def _scenario_info(scenario: Scenario, mode: Mode | None, scale: str) -> ScenarioInfo:
    """How the report labels one scenario in one mode."""
    return {
        "label": scenario.label_in(mode),
        "doc": scenario.doc,
        "sizes": list(scenario.sizes_at(scale)),
        "mode": mode,
        "effect_from": scenario.effect_from,
        "reference": scenario.correct.reference,
        "variants": {
            v.name: {"role": v.role, "label": v.label, "source": v.source}
            for v in scenario.variants
        },
    }


def _counter(spec: WorkerSpec) -> Any:
    if spec.policy.measure != "instructions":
        return None
    from ormbench.worker.counting import Counter

    assert spec.callgrind_helper is not None, "the parent builds the helper"
    plan = json.loads(Path(spec.count_plan).read_text()) if spec.count_plan else {}
    return Counter(spec.callgrind_helper, spec.out, plan)


def run_cases(
    spec: WorkerSpec, harness: Harness, selected: list[Case], answer: WorkerAnswer
) -> int:
    """pytest over the selected cases, pytest-benchmark's document and the outcomes into
    `answer`."""
    import pytest

    from ormbench.worker import plugin, timed_cases

    class Installer:
        @staticmethod
        def pytest_configure(config: pytest.Config) -> None:
            plugin.install(config, harness, selected, answer)

    document = Path(spec.out) / f".{spec.database}.pytest-benchmark.json"
    # Only the plugins the measurement needs: nothing else installed hooks into the timed process.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    pytest_args = [
        timed_cases.__file__,
        "-p",
        "pytest_benchmark.plugin",
        "-p",
        "no:cacheprovider",
        # The project's own pytest settings (addopts) are not the timed process's.
        "-c",
        os.devnull,
        "--rootdir",
        str(Path(timed_cases.__file__).parent),
        # The progress line replaces pytest's dots; --verbose brings pytest's lines back. An
        # invalid case is one line in the run's summary, never a traceback.
        *(["-v", "--tb=no", "-rN"] if spec.verbose else ["-p", "no:terminal"]),
        "--capture=no",  # the progress line is written while a case runs
        "--benchmark-quiet",
        "--benchmark-save-data",
        f"--benchmark-json={document}",
        *(["-k", spec.keyword] if spec.keyword else []),
    ]
    code = int(pytest.main(pytest_args, plugins=[plugin, Installer()]))
    with contextlib.suppress(OSError, ValueError):  # no case ran: pytest-benchmark wrote none
        answer.benchmarks = json.loads(document.read_text())
        document.unlink()
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR) and not answer.error:
        answer.error = f"the timing stopped: pytest {pytest.ExitCode(code).name.lower()}"
    return code
