"""One database's share of a run, in its own process: schema, dataset, then the timed cases.

The parent starts it with a `ormbench.protocol.WorkerSpec` and reads its answers from the files
the spec names:
  meta        dataset checksum and timings, server/driver versions, scenario labels (or the
              setup error, one line, password scrubbed)
  benchmarks  pytest-benchmark's JSON for the cases (when any ran)
  outcomes    failed and skipped cases, and the worker's own figures
A "load" spec times the loader instead (`ormbench.parent.perf.load_child`).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import time
from pathlib import Path
from typing import Any

from ormbench.protocol import EXIT_SETUP_FAILED, WorkerSpec


def main() -> int:
    spec = WorkerSpec.from_environment()
    if spec.task == "load":
        from ormbench.parent.perf import load_child

        _write_json(spec.answer("load"), load_child(spec))
        return 0
    # Ctrl-C reaches the whole process group; the parent owns the servers and the cleanup, and
    # ends this worker with SIGTERM when it decides to stop. Here Ctrl-C is ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        meta, harness, selected = prepare(spec)
    except Exception as exc:  # noqa: BLE001 - reported by the parent as one line per database
        _write_json(spec.answer("meta"), {"error": _one_line(exc, spec.django)})
        return EXIT_SETUP_FAILED
    _write_json(spec.answer("meta"), meta)
    from ormbench.worker.probes import roundtrips

    try:
        with roundtrips.counted(spec.django) as harness.round_trips:
            return run_cases(spec, harness, selected)
    finally:
        scrub_answers(spec)


def scrub_answers(spec: WorkerSpec) -> None:
    """The password out of every answer: an error a driver raised can quote it, and errors go
    into the benchmarks' figures and the outcomes (a failed case, a quieting step not applied)."""
    password = str(spec.django.get("PASSWORD") or "")
    if not password:
        return
    forms = {password, json.dumps(password)[1:-1]}
    for kind in ("benchmarks", "outcomes"):
        path = spec.answer(kind)
        if not path.exists():
            continue
        text = path.read_text()
        clean = text
        for form in forms:
            clean = clean.replace(form, "***")
        if clean != text:
            path.write_text(clean)


def prepare(spec: WorkerSpec) -> tuple[dict[str, Any], Any, Any]:
    from ormbench.dataset import loader
    from ormbench.dataset import tables as dataset
    from ormbench.settings import configure
    from ormbench.worker.state import isolation

    configure(spec.django, spec.replica)

    from django.core.management import call_command
    from django.db import connection

    from ormbench.declare.scenario import cases, discover
    from ormbench.servers.info import describe
    from ormbench.worker.measure import Harness

    size = dataset.scale(spec.scale)
    call_command("migrate", verbosity=0)
    loading: dict[str, Any] = {"loaded_before": dataset.is_loaded()}
    if not loading["loaded_before"]:  # a second latency on the same server reuses the data
        started = time.perf_counter()
        data, cached = dataset.generate_cached(size, spec.seed)
        seconds = loader.load(data)
        loading |= {
            "from_cache": cached,
            "load_seconds": seconds,
            "generate_seconds": time.perf_counter() - started - seconds,
            "load_rows_per_second": data.row_count / seconds,
        }
        del data
    checksum = isolation.checksum()
    scenarios = discover(spec.packages)
    import django

    meta = {
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
        "scenarios": {
            s.family(mode): {
                "label": s.label_in(mode),
                "doc": s.doc,
                "sizes": list(s.sizes_at(size.name)),
                "mode": mode,
                "effect_from": s.effect_from,
                "reference": s.reference,
                "variants": {
                    v.name: {"role": v.role, "label": v.label, "source": v.source}
                    for v in s.variants
                },
            }
            for s in scenarios.values()
            for mode in s.run_modes
        },
    }
    harness = Harness(
        spec.database,
        connection.vendor,
        size.name,
        checksum,
        spec.rounds,
        spec.latency_ms,
        spec.timing_only,
        spec.target_seconds,
        spec.min_rounds,
        counter=_counter(spec),
    )
    return meta, harness, cases(scenarios, size.name, spec.flip)


def _counter(spec: WorkerSpec) -> Any:
    if spec.measure != "instructions":
        return None
    from ormbench.worker.counting import Counter

    assert spec.callgrind_helper is not None, "the parent builds the helper"
    return Counter(spec.callgrind_helper, spec.out)


def run_cases(spec: WorkerSpec, harness: Any, selected: Any) -> int:
    import pytest

    from ormbench.worker import plugin, timed_cases

    class Installer:
        @staticmethod
        def pytest_configure(config: pytest.Config) -> None:
            plugin.install(config, harness, selected)

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
        f"--benchmark-json={spec.answer('benchmarks')}",
        f"--ormbench-outcomes={spec.answer('outcomes')}",
        *(["-k", spec.keyword] if spec.keyword else []),
    ]
    return int(pytest.main(pytest_args, plugins=[plugin, Installer()]))


def _one_line(exc: BaseException, entry: dict[str, Any]) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    password = entry.get("PASSWORD")
    return text.replace(password, "***") if password else text


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, default=str))

