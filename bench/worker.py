"""One database's share of a run, in its own process: schema, dataset, then the timed cases.

The parent (`bench.run`) starts the server and spawns `python -m bench.worker`, passing the
Django DATABASES entry in the ORMBENCH_DATABASE environment variable (never on the command line,
where `ps` would show a password). A process per database gives each its own Django setup and
keeps a dying server from taking the whole run down. The worker writes, into --out:
  <db>.meta.json      dataset checksum and timings, server/driver versions, scenario labels
  <db>.json           pytest-benchmark's JSON for the cases (when any ran)
  <db>.outcomes.json  failed and skipped cases
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ENV_DATABASE = "ORMBENCH_DATABASE"
EXIT_SETUP_FAILED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--database", required=True)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("-k", dest="keyword")
    parser.add_argument("--scenarios", action="append", required=True)
    parser.add_argument("--latency-ms", type=float)
    parser.add_argument("--verbose", action="store_true", help="pytest's own line per case")
    parser.add_argument("--timing-only", action="store_true", help="a later process of a compare")
    parser.add_argument("--target-seconds", type=float, default=0.2, help="timed work per case")
    parser.add_argument("--min-rounds", type=int, help="fewest rounds per case")
    parser.add_argument("--flip", action="store_true", help="variants in the other turn order")
    args = parser.parse_args(argv)
    entry = json.loads(os.environ[ENV_DATABASE])
    meta_path = args.out / f"{args.database}.meta.json"
    # Ctrl-C reaches the whole process group; the parent owns the servers and the cleanup, and
    # ends this worker with SIGTERM when it decides to stop. Here Ctrl-C is ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        meta, harness, selected = prepare(args, entry)
    except Exception as exc:  # noqa: BLE001 - reported by the parent as one line per database
        _write_json(meta_path, {"error": _one_line(exc, entry)})
        return EXIT_SETUP_FAILED
    _write_json(meta_path, meta)
    from bench import roundtrips

    with roundtrips.counted(entry) as harness.round_trips:
        return run_cases(args, harness, selected)


def prepare(args: argparse.Namespace, entry: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    from bench import dataset, loader
    from bench.settings import configure

    configure(entry)

    from django.core.management import call_command
    from django.db import connection

    from bench.measure import Harness
    from bench.scenario import cases, discover
    from bench.servers.info import describe

    size = dataset.scale(args.scale)
    call_command("migrate", verbosity=0)
    loading: dict[str, Any] = {"loaded_before": dataset.is_loaded()}
    if not loading["loaded_before"]:  # a second latency on the same server reuses the data
        started = time.perf_counter()
        data, cached = dataset.generate_cached(size, args.seed)
        seconds = loader.load(data)
        loading |= {
            "from_cache": cached,
            "load_seconds": seconds,
            "generate_seconds": time.perf_counter() - started - seconds,
            "load_rows_per_second": data.row_count / seconds,
        }
        del data
    checksum = dataset.checksum()
    scenarios = discover(args.scenarios)
    meta = {
        "database": args.database,
        "vendor": connection.vendor,
        **describe(connection),
        "dataset": {
            "scale": size.name,
            "seed": args.seed,
            "checksum": checksum,
            "rows": sum(dataset.row_counts().values()),
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
        args.database,
        connection.vendor,
        size.name,
        checksum,
        args.rounds,
        args.latency_ms,
        args.timing_only,
        args.target_seconds,
        args.min_rounds,
    )
    return meta, harness, cases(scenarios, size.name, args.flip)


def run_cases(args: argparse.Namespace, harness: Any, selected: Any) -> int:
    import pytest

    from bench import plugin, timed_cases

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
        *(["-v", "--tb=no", "-rN"] if args.verbose else ["-p", "no:terminal"]),
        "--capture=no",  # the progress line is written while a case runs
        "--benchmark-quiet",
        "--benchmark-save-data",
        f"--benchmark-json={args.out / f'{args.database}.json'}",
        f"--ormbench-outcomes={args.out / f'{args.database}.outcomes.json'}",
        *(["-k", args.keyword] if args.keyword else []),
    ]
    return int(pytest.main(pytest_args, plugins=[plugin, Installer()]))


def _one_line(exc: BaseException, entry: dict[str, Any]) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    password = entry.get("PASSWORD")
    return text.replace(password, "***") if password else text


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
