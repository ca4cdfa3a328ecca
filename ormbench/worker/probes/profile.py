"""Where a worker's wall time goes, phase by phase: the run's own profile.

Each phase is a `with PROFILE.phase(name):` around work the harness does; a phase inside another
is taken out of the outer one, so the phases add up to the time they cover and never count a
second twice. What no phase covers (the interpreter, Django's and pytest's start, collection,
pytest's per-test hooks) is the total since the worker started less their sum, reported as
"the rest". The worker answers with it (`WorkerFigures.profile_seconds`) and the run's summary
prints it per database: the figure to read before cutting anything that is not timed work.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

SETUP = "schema (migrate)"
LOAD = "dataset load"
CHECK = "checked call"
PLANS = "plans and co-metrics"
SAMPLES = "correctness samples"
MEMORY = "peak memory"
TIMED = "timed work"
COUNTED = "counted calls (callgrind's windows)"
ROUNDS = "rounds' overhead (warm-up, pytest-benchmark)"
SPEED = "speed reference"
EFFECTS = "effect checks"
ISOLATION = "isolation checks (the dataset's checksum)"
RESTORES = "restores"
SNAPSHOTS = "snapshots of the tables"
SETTLING = "settling (vacuum, analyze)"
REST = "the rest (interpreter, Django, pytest)"


class Profile:
    """Seconds per phase, exclusive of the phases inside it."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self._inner: list[float] = []  # per open phase: the time its inner phases took

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        self._inner.append(0.0)
        try:
            yield
        finally:
            elapsed = time.perf_counter() - began
            self.add(name, elapsed - self._inner.pop())
            if self._inner:
                self._inner[-1] += elapsed

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def move(self, source: str, target: str, seconds: float) -> None:
        """Count `seconds` that a phase took under `target` instead (the timed rounds' own
        measured time, out of the phase that ran them)."""
        self.add(source, -seconds)
        self.add(target, seconds)

    def total(self) -> dict[str, float]:
        """Every phase, and the rest of the time since the worker started."""
        rest = time.perf_counter() - self.started - sum(self.seconds.values())
        return {**self.seconds, REST: max(rest, 0.0)}


PROFILE = Profile()  # one worker process, one profile
