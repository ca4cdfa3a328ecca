"""The one protocol between a run and its worker processes: a `WorkerSpec` in, a `WorkerAnswer` out.

The parent (`parent.run` for timed cases, `parent.perf` for the loader) builds a spec and
starts `python -m ormbench.worker` with it as JSON in the environment, never on the command
line, where `ps` would show the password a DATABASES entry may hold. The worker answers in one
file, `WorkerAnswer.dump`, which the parent reads with the same class once the worker has
exited (as pyperf's worker dumps the suite its parent loads).

A process per database gives each its own Django setup and keeps a dying server from taking
the whole run down. A revision whose worker predates this protocol cannot be benchmarked by
`compare`; its stored runs still compare.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

ENV_SPEC = "ORMBENCH_WORKER"
PROTOCOL = 2  # 2: one WorkerAnswer file (1: three files, meta, benchmarks and outcomes)
EXIT_SETUP_FAILED = 3
SPEC_BLOCK = 4096
TASKS = ("bench", "load")  # time the cases; time the loader (`ormbench.parent.perf`)
# Why a case has no instruction count (`ormbench.parent.counted.count_plan`).
THREADS = "not counted: the call starts {} threads, whose interleaving changes its count"


@dataclass(frozen=True)
class Policy:
    """How one worker process measures, decided once by its parent and passed intact to the
    worker's timer (`worker.measure.Harness`)."""

    timing_only: bool = False
    """A later process of a comparison: its first process checked every variant against the
    reference and measured memory, which another process of the same code cannot change. This
    one keeps the checks every call needs (query count, last round, isolation) and times."""
    target_seconds: float = 0.2  # timed work per case; rounds = this / one call, clamped
    min_rounds: int | None = None  # fewest rounds per case (None: `worker.rounds`' own)
    rounds: int | None = None  # fixed rounds per case (None: calibrated)
    flip: bool = False  # variants in the other turn order (`declare.scenario.cases`)
    measure: str = "time"  # "instructions": counted calls under callgrind (`worker.counting`)
    cache_sim: bool = False  # callgrind simulates the caches too (estimated cycles)


@dataclass(frozen=True)
class WorkerSpec:
    """Everything one worker process does, decided by its parent."""

    task: str
    database: str  # the name its figures carry ("postgresql", "postgresql+2ms")
    django: dict[str, Any]  # the DATABASES entry: may hold a password, never printed
    scale: str
    out: str  # the folder the worker writes its answers into
    seed: int = 0
    packages: tuple[str, ...] = ("ormbench.catalogue.scenarios",)
    keyword: str | None = None  # pytest -k over case ids
    latency_ms: float | None = None  # what a proxy in front of the server adds per round trip
    verbose: bool = False  # pytest's own line per case
    django_source: dict[str, Any] | None = None  # spec, commit, dirty of a Django under test
    replica: dict[str, Any] | None = None  # the DATABASES entry of a replica, if any
    policy: Policy = Policy()
    callgrind_helper: str | None = None  # the compiled helper (`parent.callgrind.helper`)
    # what a counting process counts, how often, and what it leaves out
    # (`parent.counted.count_plan`), one file for both sides of a comparison
    count_plan: str | None = None
    parent: int = 0  # the process that started it (`start` sets it): the worker dies with it
    shared: bool = False  # a user's server: nothing server-wide is done to it (a CHECKPOINT)
    project: dict[str, Any] | None = None  # a user's project (`ormbench.project.Project`)

    @property
    def answer_path(self) -> Path:
        """The one file the worker answers in."""
        return Path(self.out) / f"{self.database}.answer.json"

    def start(
        self,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        python: Path | None = None,
        stdout: Any = None,
        prefix: Sequence[str] = (),
    ) -> Any:
        """`python -m ormbench.worker` with this spec, in `cwd` (a checkout's code) if given, by
        `python` (another Django's venv, `parent.djangos`) if given, behind `prefix` (callgrind's
        argv, `parent.callgrind.argv`) if given."""
        import subprocess

        spec = dataclasses.replace(self, parent=os.getpid())
        inherited = env if env is not None else os.environ
        environment = {
            **{name: value for name, value in inherited.items() if not _pytests(name)},
            ENV_SPEC: spec.dumps(),
        }
        argv = [*prefix, str(python or sys.executable), "-m", "ormbench.worker"]
        return subprocess.Popen(argv, env=environment, cwd=cwd, stdout=stdout)

    def dumps(self) -> str:
        """The spec as JSON, padded to a whole number of SPEC_BLOCK bytes: the environment's
        size sets where the stack starts, and a stack that starts elsewhere changes the
        instructions glibc and CPython run (alignment paths). Two sides of a comparison differ
        by a database name; padded, their workers start from the same address."""
        text = json.dumps(dataclasses.asdict(self))
        return text + " " * (-len(text) % SPEC_BLOCK)

    @classmethod
    def from_environment(cls) -> WorkerSpec:
        data = json.loads(os.environ[ENV_SPEC])
        data["packages"] = tuple(data["packages"])
        data["policy"] = Policy(**data["policy"])
        return cls(**data)


class CaseOutcome(TypedDict, total=False):
    """A case that did not pass: skipped (with its reason) or failed (in a phase, with an
    error; `invalid` when the failure was a mismatch against the reference)."""

    scenario: str
    variant: str
    n: str
    reason: str
    phase: str
    error: str
    invalid: str


class WorkerFigures(TypedDict, total=False):
    """What the worker measured of its own work, beside the cases."""

    peak_rss_bytes: int
    effect_check_seconds: float
    restore_seconds: float
    snapshot_seconds: float
    profile_seconds: dict[str, float]  # where the worker's time went (worker.probes.profile)
    quiet: dict[str, Any]


class VariantInfo(TypedDict):
    role: str
    label: str
    source: str


class ScenarioInfo(TypedDict):
    """A scenario as the report labels it, per family (a scenario in one run mode)."""

    label: str
    doc: str
    sizes: list[int]
    mode: str | None
    effect_from: str | None
    reference: str | None
    variants: dict[str, VariantInfo]


@dataclass
class WorkerAnswer:
    """Everything one worker found and measured, in one file: dumped by the worker, read by
    the parent with this same class."""

    database: str
    error: str | None = None  # setup failed: one line, the password scrubbed
    found: dict[str, Any] = field(default_factory=dict)  # versions, vendor, settings, dataset
    scenarios: dict[str, ScenarioInfo] = field(default_factory=dict)
    benchmarks: dict[str, Any] = field(default_factory=dict)  # pytest-benchmark's document
    failed: list[CaseOutcome] = field(default_factory=list)
    skipped: list[CaseOutcome] = field(default_factory=list)
    figures: WorkerFigures = field(default_factory=lambda: WorkerFigures())
    loading: dict[str, float] = field(default_factory=dict)  # a "load" task's figures
    protocol: int = PROTOCOL

    def dump(self, path: Path, secret: str = "") -> None:
        """Write the answer whole (a temp file renamed), `secret` replaced by *** wherever it
        stands: an error a driver raised can quote the password."""
        text = json.dumps(dataclasses.asdict(self), indent=1, default=str)
        if secret:
            for form in {secret, json.dumps(secret)[1:-1]}:
                text = text.replace(form, "***")
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path, database: str) -> WorkerAnswer:
        """The answer at `path`; an answer holding only an error when the worker left none or
        one this protocol cannot read (it died, or another revision's worker wrote it)."""
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls(database, error="the worker left no answer")
        if not isinstance(data, dict) or data.get("protocol") != PROTOCOL:
            return cls(database, error=f"the worker answered in another protocol than {PROTOCOL}")
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _pytests(name: str) -> bool:
    """Whether an environment variable is what a pytest that started the run passes down, which
    is not the timed pytest's: its options, and pytest-xdist's mark of a worker, with which
    pytest-benchmark turns its timer off ("a parallelized environment"). The worker of any
    revision under test gets an environment without them."""
    return name == "PYTEST_ADDOPTS" or name.startswith("PYTEST_XDIST_")
