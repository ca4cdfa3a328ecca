"""The progress lines: rewritten in place in a terminal, plain lines in a log; the overall line
of long work (a comparison, a backfill, the history's charts) with its ETA."""

from __future__ import annotations

import io

from ormbench.parent.request import Process, Schedule
from ormbench.present.progress import Progress, Units, overall


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_plain_line_per_scenario_without_control_codes() -> None:
    log = io.StringIO()
    progress = Progress("sqlite", 4, log)
    for scenario, variant in [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")]:
        progress.step(scenario, variant, 10)
    lines = log.getvalue().splitlines()
    assert [line.split(";")[0] for line in lines] == [
        "sqlite: 2/4 cases, a done",
        "sqlite: 4/4 cases, b done",
    ]
    assert "elapsed, ETA" in lines[0]
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()


def test_a_terminal_gets_one_live_line_naming_the_case() -> None:
    screen = Terminal()
    progress = Progress("mysql", 2, screen)
    progress.step("fk_access", "select_related", 100)
    assert screen.getvalue().startswith("\rmysql: 1/2 fk_access/select_related n=100  0:00 elapsed")
    assert "\n" not in screen.getvalue()
    progress.step("fk_access", "lazy_loop", 100)
    assert screen.getvalue().endswith("\n")


def test_overall_progress_gives_an_eta_from_the_mean_unit_so_far() -> None:
    assert overall("commits", 0, 8, 5.0) == "commits: 0/8, 0:05 elapsed, ETA after the first"
    assert overall("commits", 2, 8, 120.0) == "commits: 2/8 (25%), 2:00 elapsed, ETA 6:00"
    assert overall("overall", 9, 8, 90.0).startswith("overall: 9/9 (100%)")  # past an estimate


def test_units_rewrite_one_line_in_a_terminal_and_print_each_tenth_in_a_log() -> None:
    screen, log = Terminal(), io.StringIO()
    live, plain = Units("charts", 20, screen), Units("charts", 20, log)
    for _ in range(20):
        live.step()
        plain.step()
    assert screen.getvalue().count("\n") == 1 and screen.getvalue().count("\r") == 20
    lines = log.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [f"charts: {k}/20" for k in range(2, 21, 2)]


def test_a_budgeted_schedule_expects_the_processes_its_budget_holds() -> None:
    first = [Process("a"), Process("b")]
    fixed = Schedule(first)
    budgeted = Schedule(first, lambda i: Process("a"), budget_seconds=100.0)
    assert fixed.expected(3.0) == 2 and budgeted.expected(None) == 2
    assert budgeted.expected(9.0) == 10  # 11 processes' time: whole pairs
    assert budgeted.expected(200.0) == 2  # never fewer than the first
