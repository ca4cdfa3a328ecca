"""What a run is asked to do: the databases, scale and options the user chose (`RunRequest`),
and the worker processes it runs against each database (`Process`, `Schedule`)."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ormbench import project
from ormbench.dataset import scales
from ormbench.declare import catalogue
from ormbench.declare.scenario import DEFAULT_PACKAGES
from ormbench.errors import BenchError
from ormbench.parent.djangos import DjangoEnv
from ormbench.protocol import Policy
from ormbench.servers import DEFAULT_DATABASES, SOURCES, ServerURL, registry
from ormbench.servers import url as server_url

# A process counting instructions under callgrind, the caches simulated too (estimated cycles):
# the timed process checked every variant already.
COUNTING = Policy(timing_only=True, measure="instructions", cache_sim=True)
# A machine's name as the user gives it (`--machine`): shown in the history's charts and titles.
MACHINE_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._+@:()/-]{0,99}")


@dataclass(frozen=True)
class Process:
    """One worker process per database: from which checkout, and how much it checks."""

    label: str = ""
    tree: Path | None = None  # the checkout whose code it runs; None: this one
    policy: Policy = Policy()  # how it measures (the run's fixed --rounds join it at the start)
    database_suffix: str = ""  # a side of a comparison has a database of its own (`sibling`)
    django: DjangoEnv | None = None  # another Django's venv runs the worker (`parent.djangos`)


@dataclass(frozen=True)
class RunRequest:
    databases: tuple[str, ...]
    scale: str
    seed: int = scales.DEFAULT_SEED
    keyword: str | None = None
    urls: dict[str, ServerURL] = field(default_factory=dict)
    rounds: int | None = None
    no_fsync: bool = False
    results: Path = Path("results")
    packages: tuple[str, ...] = DEFAULT_PACKAGES
    sources: tuple[str, ...] = SOURCES
    latencies: tuple[float | None, ...] = (None,)  # None: straight to the server, no proxy
    verbose: bool = False
    django: DjangoEnv | None = None  # None: the Django installed beside the suite
    replica: bool = False  # start a replica beside each server that can have one
    measure: str = "time"  # or "instructions": counted beside the timing (`parent.counted`)
    machine: str = ""  # the user's name for this machine (`--machine`); "": host name and CPU


def build_request(
    databases: Sequence[str], scale: str, urls: Sequence[str], **options: Any
) -> RunRequest:
    """Validate everything the user typed before any server starts."""
    scales.scale(scale)
    confirmed = bool(options.pop("confirmed", False))
    machine = options.get("machine", "")
    if machine and not MACHINE_LABEL.fullmatch(machine):
        raise BenchError(
            f"--machine {machine!r}: use up to 100 letters, digits, spaces and ._-+@:()/"
        )
    parsed = [server_url.parse(u) for u in urls]
    parsed += [
        server_url.parse(os.environ[b.url_environment])
        for b in registry.BACKENDS.values()
        if b.url_environment
        and os.environ.get(b.url_environment)
        and b.name not in {p.vendor for p in parsed}
    ]
    by_vendor = {p.vendor: p for p in parsed}
    unknown = [d for d in databases if d not in registry.BACKENDS]
    if unknown:
        known = ", ".join(registry.BACKENDS)
        raise BenchError(f"unknown database {unknown[0]!r}: choose from {known}")
    chosen = tuple(dict.fromkeys(databases)) or (tuple(by_vendor) if urls else DEFAULT_DATABASES)
    _confirm_load(scale, [by_vendor[n] for n in chosen if n in by_vendor], confirmed)
    request = RunRequest(chosen, scale, urls=by_vendor, **options)
    selected = catalogue.select(chosen, scale, request.keyword, request.packages)
    return dataclasses.replace(request, replica=catalogue.needs_replica(selected, request.packages))


LARGE_SCALES = ("m", "l")  # a load into someone's server worth a question first


def _confirm_load(scale: str, servers: Sequence[ServerURL], confirmed: bool) -> None:
    """A large dataset goes into a user's server only when they said so (`--yes`, or yes to
    the question in a terminal): it takes their disk and their server's time."""
    if scale not in LARGE_SCALES or not servers or confirmed:
        return
    where = ", ".join(s.safe_display for s in servers)
    rows = (
        f"about {scales.ROWS_ABOUT[scale]} rows"
        if not project.current().external
        else (f"your data hook's rows at scale {scale}")
    )
    if sys.stdin.isatty():
        answer = input(f"Load {rows} into {where}? [y/N] ").strip().lower()
        if answer in ("y", "yes"):
            return
        raise BenchError(f"not loading {rows} into {where}: not confirmed")
    raise BenchError(f"scale {scale} loads {rows} into your server {where}: add --yes to confirm")


@dataclass(frozen=True)
class Schedule:
    """The processes run against each database: `first`, then, while a database's share of the
    budget lasts, pairs of `more(i)`. The budget decides how many, never what was measured: the
    comparison's test stays exact (no stopping when a result looks good)."""

    first: Sequence[Process]
    more: Callable[[int], Process] | None = None
    budget_seconds: float = 0.0  # per database
    at_once: int = 1  # processes started together (`batch`), each against its own database

    def expected(self, process_seconds: float | None) -> int:
        """How many processes a database will likely get, a process taking `process_seconds`
        (None: not known yet): for the progress line's ETA, never for a decision."""
        if self.more is None or not process_seconds:
            return len(self.first)
        return max(len(self.first), int(self.budget_seconds / process_seconds) // 2 * 2)

    def process(self, i: int, elapsed: float) -> Process | None:
        """The i-th process, `elapsed` seconds into this database; None: stop."""
        if i < len(self.first):
            return self.first[i]
        if self.more is None:
            return None
        pair_seconds = 2 * elapsed / max(i, 1)
        if i % 2 == 0 and elapsed + pair_seconds > self.budget_seconds:
            return None
        return self.more(i)

    def batch(self, i: int, elapsed: float) -> list[Process]:
        """The processes from the i-th that run together: up to `at_once`, each against a
        database of its own; empty: stop."""
        batch: list[Process] = []
        while len(batch) < self.at_once:
            process = self.process(i + len(batch), elapsed)
            if process is None or process.database_suffix in {p.database_suffix for p in batch}:
                break  # two processes never share a database: a write's restore would show
            batch.append(process)
        return batch
