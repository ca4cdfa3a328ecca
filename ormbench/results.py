"""The results format, owned here: what a run holds, how every schema of it is read, how runs
of the same code merge. Everything that writes a run builds these objects; report, compare,
spread and history read them. `ormbench.store` only moves them to and from disk.

A run file is pytest-benchmark's JSON (so `pytest-benchmark compare` reads it): its top-level
keys (machine_info, commit_info, datetime, version) and one entry per benchmark (name,
fullname, group, params, options, stats with the raw round times in stats.data), plus:
  - per benchmark, extra_info = `Figures`: the case and every figure measured beside its time;
  - one more top-level key, "ormbench" = `RunMeta`: the run's settings and its databases.

SCHEMA_VERSION history:
  1  first format. Added since, optional when read (absent in older files, read as None):
     Figures: mode (null, "autocommit", "request"; a "request" benchmark's scenario is
       "<name>@request"; write figures taken before "mode" existed ran inside one rolled-back
       transaction), round_trips (null on SQLite), recorded, latency_ms, cpu_share, rows,
       server_work, sql_shapes, plans, heaviest_plan, connects (connections the call opened;
       null when none), observed (ormbench.declare.scenario.Observed; null when none),
       recorded_samples (the recorded figures of several calls; absent when not sampled),
       speed_reference_seconds, speed_normalized_median, and in merged runs process_medians
       and process_normalized (one per process); with --measure instructions, instructions,
       estimated_cycles, call_instructions, process_instructions and instructions_error
       (absent when not counted).
     RunMeta: started, wall_seconds, merged_from, measure ("time" or "instructions"),
       instructions_machine (ormbench.parent.callgrind.identity), machine_label (--machine);
       per database setup {no_fsync, data_filesystem, buffers[, journal]}, restore_seconds,
       snapshot_seconds, quiet, settings.session_isolation, profile_seconds (where the worker's
       time went, by phase: ormbench.worker.probes.profile; absent in older runs); per scenario
       mode, effect_from and reference.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ormbench.errors import BenchError

SCHEMA_VERSION = 1

Key = tuple[str, str, str, int]  # database, scenario, variant, n
COUNT_FIELDS = ("instructions", "estimated_cycles", "call_instructions", "process_instructions")


@dataclass
class Figures:
    """One benchmark's case and what was measured beside its time (its extra_info)."""

    scenario: str  # the family: "<scenario>" or "<scenario>@<mode>"
    variant: str
    role: str  # "naive" or "optimized"
    database: str
    vendor: str
    scale: str
    n: int
    queries: int
    expected_queries: int
    valid: bool = False
    error: str = ""
    mode: str | None = None
    round_trips: int | None = None
    connects: int | None = None  # connections the checked call opened (None: none)
    peak_memory_bytes: int | None = None
    recorded: dict[str, Any] = field(default_factory=dict)
    recorded_samples: list[dict[str, Any]] | None = None  # `recorded` of several calls
    observed: dict[str, Any] | None = None  # what a variant measured of its own call: shown
    latency_ms: float | None = None
    cpu_share: float | None = None  # the checked call's CPU time over its wall time
    threads: int | None = None  # threads the checked call started (None: none)
    rows: int | None = None
    server_work: dict[str, int] | None = None
    sql_shapes: list[list[Any]] | None = None  # [shape, times sent] per statement shape
    plans: dict[str, str] | None = None  # shape -> access paths
    explain: str | None = None
    heaviest_plan: str | None = None  # ormbench.worker.probes.heaviest: shown, never compared
    speed_reference_seconds: float | None = None
    speed_normalized_median: float | None = None
    process_medians: list[float] | None = None
    process_normalized: list[float | None] | None = None
    instructions: int | None = None  # --measure instructions: the least of the counted calls
    estimated_cycles: int | None = None  # from the cache simulation (worker.counting.WEIGHTS)
    call_instructions: list[int] | None = None  # every counted call of every counting process
    process_instructions: list[int] | None = None  # the least of each counting process
    instructions_error: str | None = None  # why a counting process gave no count

    def count(self, instructions: list[int], cycles: list[int]) -> None:
        """Take one counting process's calls (`ormbench.worker.counting.Counter`)."""
        self.call_instructions = list(instructions)
        self.process_instructions = [min(instructions)]
        self.instructions = min(instructions)
        self.estimated_cycles = min(cycles) if cycles else None

    @classmethod
    def read(cls, info: dict[str, Any]) -> Figures:
        known = _field_names(cls)
        return cls(**{k: v for k, v in info.items() if k in known})

    def as_extra_info(self) -> dict[str, Any]:
        """The JSON form; figures that were not measured are left out, as before they existed."""
        optional_absent = {
            "explain",
            "heaviest_plan",
            "process_medians",
            "process_normalized",
            "recorded_samples",
            *COUNT_FIELDS,
            "instructions_error",
            "threads",
        }
        return {
            k: v
            for k, v in dataclasses.asdict(self).items()
            if not (k in optional_absent and v is None)
        }


@dataclass
class Benchmark:
    """One pytest-benchmark entry: its timing as pytest-benchmark wrote it, and our figures."""

    entry: dict[str, Any]  # every key but extra_info, as pytest-benchmark wrote it
    figures: Figures

    @classmethod
    def read(cls, entry: dict[str, Any]) -> Benchmark:
        rest = {k: v for k, v in entry.items() if k != "extra_info"}
        return cls(rest, Figures.read(entry["extra_info"]))

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry, "extra_info": self.figures.as_extra_info()}

    @property
    def fullname(self) -> str:
        return str(self.entry["fullname"])

    @property
    def stats(self) -> dict[str, Any]:
        return dict(self.entry["stats"])

    @property
    def median(self) -> float:
        return float(self.entry["stats"]["median"])

    @property
    def rounds(self) -> list[float]:
        """The raw round times; the median alone where a file kept no data."""
        return list(self.entry["stats"].get("data") or [self.median])

    @property
    def key(self) -> Key:
        f = self.figures
        return (f.database, f.scenario, f.variant, f.n)

    @property
    def valid(self) -> bool:
        return bool(self.figures.valid)

    @property
    def process_medians(self) -> list[float]:
        """One median per process: several in a merged run, else this run's own."""
        return list(self.figures.process_medians or [self.median])


@dataclass
class RunMeta:
    """The run's settings and what it found: the "ormbench" key."""

    scale: str
    databases: dict[str, dict[str, Any]]  # name -> server, settings, dataset, setup, error
    environment: dict[str, Any]  # django, python, implementation, platform, hash seed
    seed: int = 0
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    keyword: str | None = None
    scenario_packages: list[str] = field(default_factory=list)
    no_fsync: bool = False
    rounds: int | None = None
    started: str | None = None
    wall_seconds: float | None = None
    merged_from: int | None = None
    measure: str = "time"
    instructions_machine: dict[str, Any] | None = None  # what instruction counts depend on
    machine_label: str | None = None  # the user's name for the machine (`--machine`)
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def read(cls, meta: dict[str, Any]) -> RunMeta:
        known = _field_names(cls)
        return cls(**{k: v for k, v in meta.items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for optional in ("merged_from", "instructions_machine", "machine_label"):
            if out[optional] is None:
                del out[optional]
        if self.measure == "time":
            del out["measure"]
        return out


@dataclass
class Run:
    """A whole run: pytest-benchmark's context, our metadata, and every benchmark."""

    meta: RunMeta
    benchmarks: list[Benchmark]
    context: dict[str, Any] = field(default_factory=dict)  # machine_info, commit_info, ...

    @classmethod
    def read(cls, doc: Any, source: str = "results") -> Run:
        """Any schema this version knows; BenchError naming `source` for anything else."""
        meta = doc.get("ormbench") if isinstance(doc, dict) else None
        if not isinstance(meta, dict) or not isinstance(doc.get("benchmarks"), list):
            raise BenchError(f"{source} is not a django-ormbench results file")
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise BenchError(
                f"{source} has results schema {version!r}; this version of django-ormbench "
                f"reads schema {SCHEMA_VERSION} only"
            )
        try:
            context = {k: v for k, v in doc.items() if k not in ("benchmarks", "ormbench")}
            benchmarks = [Benchmark.read(b) for b in doc["benchmarks"]]
            run = cls(RunMeta.read(meta), benchmarks, context)
            problem = _problem(run)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise BenchError(f"{source} is corrupt: missing or wrong {exc}") from None
        if problem:
            raise BenchError(f"{source} is corrupt: {problem}")
        return run

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.context,
            "benchmarks": [b.as_dict() for b in self.benchmarks],
            "ormbench": self.meta.as_dict(),
        }

    @property
    def commit(self) -> dict[str, Any]:
        return dict(self.context.get("commit_info") or {})

    @property
    def machine(self) -> dict[str, Any]:
        return dict(self.context.get("machine_info") or {})

    @property
    def django(self) -> str:
        return str(self.meta.environment.get("django", "?"))

    def valid_by_key(self) -> dict[Key, Benchmark]:
        return {b.key: b for b in self.benchmarks if b.valid}


# Names a run file gives scenarios, variants, databases and scales: they become file names and
# links in the report and the history site, so nothing that reads as a path or a URL.
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,199}")


def _problem(run: Run) -> str | None:
    """What makes a run unfit to read (a hostile or damaged file), in one line; None if fit."""
    if not NAME.fullmatch(str(run.meta.scale)):
        return f"scale {run.meta.scale!r} is not a name"
    seen: set[Key] = set()
    for benchmark in run.benchmarks:
        f = benchmark.figures
        for what, name in (
            ("database", f.database),
            ("scenario", f.scenario),
            ("variant", f.variant),
        ):
            if not isinstance(name, str) or not NAME.fullmatch(name):
                return f"{what} {name!r} is not a name"
        if not isinstance(f.n, int) or isinstance(f.n, bool) or f.n < 0:
            return f"{f.scenario}/{f.variant}: n {f.n!r} is not a count"
        times = [benchmark.stats["median"], *benchmark.stats.get("data", [])]
        if not all(isinstance(t, int | float) and math.isfinite(t) for t in times):
            return f"{f.scenario}/{f.variant} n={f.n}: a time that is not a finite number"
        if benchmark.key in seen:
            return f"{'/'.join(map(str, benchmark.key))} is in it twice"
        seen.add(benchmark.key)
    return None


def wrong_by_design(role: str, variant: str, reference: str | None) -> bool:
    """A naive variant of a scenario whose reference is another variant (`Correct.reference`):
    it shows what goes wrong (lost updates, say), so it is held against nothing and is no
    baseline for speedups. The worker's checks and the report's rows both ask this."""
    return role == "naive" and reference not in (None, variant)


def merge(runs: Sequence[Run]) -> Run:
    """One run from several processes of the same code: round times pooled per benchmark.

    The first run, the one that checked everything, gives the metadata; statistics are
    recomputed from the pooled rounds with pytest-benchmark's own Stats, so the merged file
    reads like any other run. Each process's median is kept (the samples of a comparison). A
    benchmark any process found invalid is invalid.
    """
    from pytest_benchmark.stats import Stats

    merged = copy.deepcopy(runs[0])
    pooled: dict[str, list[float]] = {}
    medians: dict[str, list[float]] = {}
    normalized: dict[str, list[float | None]] = {}
    errors: dict[str, list[str]] = {}
    for run in runs:
        for bench in run.benchmarks:
            pooled.setdefault(bench.fullname, []).extend(bench.rounds)
            medians.setdefault(bench.fullname, []).append(bench.median)
            normalized.setdefault(bench.fullname, []).append(bench.figures.speed_normalized_median)
            if not bench.valid:
                errors.setdefault(bench.fullname, []).append(bench.figures.error or "invalid")
    for bench in merged.benchmarks:
        name = bench.fullname
        if name in errors:
            bench.figures.valid = False
            bench.figures.error = "; ".join(dict.fromkeys(errors[name]))
        stats = Stats()
        for value in pooled[name]:
            stats.update(value)
        bench.entry["stats"] = {
            **stats.as_dict(),
            "data": pooled[name],
            "iterations": bench.entry["stats"].get("iterations", 1),
        }
        bench.figures.process_medians = medians[name]
        bench.figures.process_normalized = normalized[name]
    merged.meta.merged_from = len(runs)
    return merged


def attach_counts(run: Run, counted: Sequence[Run]) -> None:
    """Give the benchmarks of `run` the instruction counts that processes of the same code
    made under callgrind (`--measure instructions`): the counted calls, the least of each
    process, and their median as the benchmark's count. A benchmark a counting process found
    invalid keeps its time and gets the reason instead of a count."""
    found = [{b.key: b for b in c.benchmarks} for c in counted]
    for bench in run.benchmarks:
        calls: list[int] = []
        least: list[int] = []
        cycles: list[int] = []
        errors: list[str] = []
        for by_key in found:
            other = by_key.get(bench.key)
            if other is None:
                continue
            figures = other.figures
            if not other.valid or figures.instructions is None:
                errors.append(figures.instructions_error or figures.error or "not counted")
                continue
            calls += figures.call_instructions or []
            least += figures.process_instructions or []
            if figures.estimated_cycles is not None:
                cycles.append(figures.estimated_cycles)
        if errors:
            bench.figures.instructions_error = "; ".join(dict.fromkeys(errors))
        elif least:
            bench.figures.call_instructions = calls
            bench.figures.process_instructions = least
            bench.figures.instructions = int(statistics.median_low(least))
            bench.figures.estimated_cycles = min(cycles) if cycles else None


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> frozenset[str]:
    """What a dataclass accepts (keys a newer writer added are left out when reading); kept,
    as the history reads 700 benchmarks a run."""
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    return _FIELD_NAMES[cls]
