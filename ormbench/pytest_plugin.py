"""pytest's way in (the `pytest11` entry point `ormbench`): in a project with `[tool.ormbench]`,
`pytest --ormbench` benchmarks its scenarios exactly as `ormbench run` does, beside pytest-django
and the project's own tests, which it leaves alone.

It stays inert unless asked: without `--ormbench` it adds three options and nothing else. With
it, pytest's session is the run's (pytest's own -k selects the cases), and its exit status the
run's: 1 when a variant is invalid, a case failed or nothing was measured.
"""

from __future__ import annotations

from typing import Any


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("ormbench", "django-ormbench (benchmarks of [tool.ormbench])")
    group.addoption(
        "--ormbench",
        action="store_true",
        help="benchmark the project's scenarios ([tool.ormbench]) instead of running its tests",
    )
    group.addoption(
        "--ormbench-db",
        action="append",
        default=[],
        metavar="NAME",
        help="database to benchmark on (repeatable; default: [tool.ormbench] databases)",
    )
    group.addoption("--ormbench-scale", metavar="SCALE", help="dataset scale (xs, s, m, l)")


def pytest_cmdline_main(config: Any) -> int | None:
    """The run in place of the test session, when asked for."""
    if not config.getoption("ormbench"):
        return None
    from ormbench import cli

    argv = ["run", *(f"--db={name}" for name in config.getoption("ormbench_db"))]
    if config.getoption("ormbench_scale"):
        argv.append(f"--scale={config.getoption('ormbench_scale')}")
    if config.option.keyword:
        argv += ["-k", config.option.keyword]
    return cli.main(argv)
