"""The progress line: rewritten in place in a terminal, plain lines per scenario in a log."""

from __future__ import annotations

import io

from ormbench.present.progress import Progress


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
