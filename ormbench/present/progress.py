"""Live progress of one database's cases: a line that rewrites itself in a terminal, plain
lines (one per scenario) in a log.

pytest's own dots say nothing a person can use ("is it stuck? how long is left?"); the worker
turns them off and reports through this instead.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from ormbench.present import numbers


class Progress:
    def __init__(self, database: str, total: int, stream: TextIO | None = None) -> None:
        self.database = database
        self.total = total
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.started = time.monotonic()
        self.done = 0
        self._scenario = ""

    def step(self, scenario: str, variant: str, n: int) -> None:
        """One case finished (measured, skipped or failed)."""
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        timing = f"{numbers.clock(elapsed)} elapsed, ETA {numbers.clock(left)}"
        if self.live:
            text = f"{self.database}: {self.done}/{self.total} {scenario}/{variant} n={n}  {timing}"
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + text[:width].ljust(width))
            if self.done == self.total:
                self.stream.write("\n")
        else:  # a log: a line as each scenario ends
            if self._scenario and scenario != self._scenario:
                self._line(self.done - 1, self._scenario, timing)
            if self.done == self.total:
                self._line(self.done, scenario, timing)
        self._scenario = scenario
        self.stream.flush()

    def _line(self, done: int, scenario: str, timing: str) -> None:
        self.stream.write(
            f"{self.database}: {done}/{self.total} cases, {scenario} done; {timing}\n"
        )


def overall(what: str, done: int, total: int, elapsed: float) -> str:
    """Where long work made of units stands (a comparison's processes, a backfill's commits,
    the history's charts): done of total, elapsed, and an ETA from the mean unit so far."""
    total = max(total, done)
    if done == 0 or total == 0:
        return f"{what}: 0/{total}, {numbers.clock(elapsed)} elapsed, ETA after the first"
    left = elapsed / done * (total - done)
    return (
        f"{what}: {done}/{total} ({done / total:.0%}), {numbers.clock(elapsed)} elapsed, "
        f"ETA {numbers.clock(left)}"
    )


class Units:
    """`overall` as one live line in a terminal (rewritten at each unit), and as a plain line
    at each tenth of the work in a log."""

    def __init__(self, what: str, total: int, stream: TextIO | None = None) -> None:
        self.what, self.total = what, total
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.started = time.monotonic()
        self.done = 0

    def step(self) -> None:
        self.done += 1
        text = overall(self.what, self.done, self.total, time.monotonic() - self.started)
        if self.live:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + text[:width].ljust(width))
            if self.done >= self.total:
                self.stream.write("\n")
        elif self.done * 10 // max(self.total, 1) > (self.done - 1) * 10 // max(self.total, 1):
            self.stream.write(text + "\n")
        self.stream.flush()
