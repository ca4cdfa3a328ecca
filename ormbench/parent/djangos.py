"""Django under test: a release, a checkout or a commit of one, each in a virtualenv of its own.

`--django SPEC` takes:
  - a release on PyPI from 4.2 on: "6.0" (its newest 6.0.x) or "5.2.8";
  - a path to a Django checkout, installed editable (so the venv follows its edits);
  - PATH@REF, a git ref of such a checkout: checked out into a temporary worktree, installed
    from it, and the worktree removed.
Every spec is checked before any server starts; one that names nothing is one line. Each gets a
Python it supports among the installed interpreters (this one first, then pyenv's and those on
PATH, oldest first), chosen by the release's or checkout's Requires-Python. Venvs are built with
uv and kept under the cache folder, keyed by what they hold; the worker processes of a run then
start from that venv's interpreter (`ormbench.protocol.WorkerSpec`), with the suite's own code.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ormbench.dataset.scales import cache_dir
from ormbench.errors import BenchError
from ormbench.parent import worktrees
from ormbench.servers.base import alive

PACKAGE = Path(__file__).resolve().parents[1]  # the ormbench package, where it runs from
# The suite's checkout, where it runs from one (installed editable into each venv); None when it
# runs from an installed wheel (its package is copied into each venv, its requirements installed).
CHECKOUT = PACKAGE.parent if (PACKAGE.parent / "pyproject.toml").is_file() else None
DISTRIBUTION = "django-ormbench"
BUILDING = ".ormbench-building"  # beside a venv until its build is done: the builder's pid
RELEASE = re.compile(r"^(\d+)\.(\d+)(\.\d+)?((a|b|rc)\d+)?$")
OLDEST = (4, 2)


@dataclass(frozen=True)
class DjangoEnv:
    """A Django ready to run the suite: the interpreter of its venv, and what it holds."""

    spec: str
    python: Path
    version: str  # as installed: "6.0.10", "6.1.dev20261120..." for a checkout
    commit: str | None = None  # a checkout's HEAD or the ref's commit
    dirty: bool | None = None  # uncommitted changes in a checkout

    @property
    def label(self) -> str:
        if self.commit is None:
            return f"Django {self.version}"
        return f"Django {self.version} ({self.commit[:10]}{', dirty' if self.dirty else ''})"


def prepare(spec: str) -> DjangoEnv:
    """Check the spec and build (or reuse) its venv; BenchError in one line when it names
    nothing or no installed Python can run it."""
    if RELEASE.match(spec):
        return _release(spec)
    path, ref = spec, ""
    if "@" in spec and not Path(spec).expanduser().exists():
        path, _, ref = spec.rpartition("@")
    checkout = Path(path).expanduser()
    if not (checkout / "django" / "__init__.py").is_file():
        raise BenchError(
            f"--django {spec!r} names no release on PyPI (4.2 or later, e.g. 6.0 or 5.2.8) and "
            "no Django checkout (a folder holding django/__init__.py)"
        )
    if ref:
        return _commit(spec, checkout.resolve(), ref)
    return _checkout(spec, checkout.resolve())


def _release(spec: str) -> DjangoEnv:
    parts = RELEASE.match(spec)
    assert parts is not None
    major, minor, patch, pre = int(parts[1]), int(parts[2]), parts[3], parts[4]
    if (major, minor) < OLDEST:
        raise BenchError(f"--django {spec}: the suite runs Django 4.2 or later")
    pin = f"django=={spec}" if patch or pre else f"django=={spec}.*"  # "6.0": its newest 6.0.x
    python, resolved = _python_for_release(spec, pin)
    version = re.search(r"^django==(\S+)$", resolved, re.M | re.I)
    assert version is not None, resolved
    exact = version.group(1)
    venv = _venv(f"django-{exact}", python, [f"django=={exact}"])
    return DjangoEnv(spec, venv, exact)


def _python_for_release(spec: str, pin: str) -> tuple[Path, str]:
    """The first installed Python that can install the release, and uv's resolution for it."""
    tried, last = [], ""
    for python in interpreters():
        minor = _minor(python)
        done = subprocess.run(
            ["uv", "pip", "compile", "-", "--python-version", minor, "--no-header", "-q"],
            input=pin,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            return python, done.stdout
        tried.append(minor)
        last = done.stderr
        if "there is no version of" in last or "no version of django" in last.lower():
            raise BenchError(f"--django {spec}: no such Django release on PyPI")
    needs = re.search(r"only supports (>=[\d.]+)", last)
    raise BenchError(
        f"--django {spec}: no installed Python can run it (tried {', '.join(tried)}"
        + (f"; it needs Python {needs.group(1)}" if needs else "")
        + "): install one, e.g. `pyenv install 3.12`"
    )


def _checkout(spec: str, checkout: Path) -> DjangoEnv:
    python = _python_for_checkout(spec, checkout)
    key = hashlib.sha256(str(checkout).encode()).hexdigest()[:12]
    venv = _venv(f"django-checkout-{key}", python, ["-e", str(checkout)], fresh=True)
    commit, dirty = _git_state(checkout)
    return DjangoEnv(spec, venv, _installed_version(venv), commit, dirty)


def _commit(spec: str, checkout: Path, ref: str) -> DjangoEnv:
    done = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"--django {spec}: no ref {ref!r} in the Django checkout {checkout}")
    commit = done.stdout.strip()
    with worktrees.detached(checkout, commit, "django") as tree:
        python = _python_for_checkout(spec, tree)
        venv = _venv(f"django-{commit[:12]}", python, [str(tree)])
    return DjangoEnv(spec, venv, _installed_version(venv), commit, False)


def interpreters() -> list[Path]:
    """This interpreter first, then every other CPython 3 installed (pyenv's, PATH's) that the
    suite itself runs on, oldest first: the suite's own Python is the one its figures are
    usually compared with."""
    from packaging.specifiers import SpecifierSet

    suite = SpecifierSet(_suite_requires_python())
    found = {_minor(Path(sys.executable)): Path(sys.executable)}
    candidates = sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3.*"))
    candidates += [Path(p) for n in range(8, 20) if (p := shutil.which(f"python3.{n}"))]
    for python in candidates:
        named = re.fullmatch(r"python3\.\d+", python.name)
        if named and python.is_file() and f"{_minor(python)}.0" in suite:
            found.setdefault(_minor(python), python)
    first = found.pop(_minor(Path(sys.executable)))
    rest = sorted(found.items(), key=lambda item: tuple(map(int, item[0].split("."))))
    return [first, *(python for _, python in rest)]


def _python_for_checkout(spec: str, checkout: Path) -> Path:
    from packaging.specifiers import SpecifierSet

    pyproject = checkout / "pyproject.toml"
    needs = ""
    if pyproject.is_file():
        needs = tomllib.loads(pyproject.read_text()).get("project", {}).get("requires-python", "")
    for python in interpreters():
        if not needs or _minor(python) + ".0" in SpecifierSet(needs):
            return python
    raise BenchError(
        f"--django {spec}: the checkout needs Python {needs} and none is installed: install "
        "one, e.g. `pyenv install 3.12`"
    )


def _venv(name: str, python: Path, django: list[str], fresh: bool = False) -> Path:
    """A venv holding the suite and `django`, built once and reused; `fresh` reinstalls Django
    into it every time (an editable checkout whose metadata may change). Until its build ends,
    a file beside it names the builder: a build cut short by a signal removes the venv, and one
    killed outright is built again by the next run (or removed by `ormbench clean`)."""
    folder = cache_dir() / "venvs" / f"{name}-py{_minor(python)}-suite{_suite_key()}"
    interpreter = folder / "bin" / "python"
    building = folder.with_name(folder.name + BUILDING)
    _take_over(building)
    if interpreter.is_file() and not fresh:
        return interpreter
    mysql = bool(importlib.util.find_spec("MySQLdb"))
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        building.write_text(str(os.getpid()))  # before uv makes the interpreter
        if not interpreter.is_file():
            _uv("venv", "-q", "--python", str(python), str(folder))
        if CHECKOUT is not None:
            suite = ["-e", f"{CHECKOUT}{'[mysql]' if mysql else ''}"]
        else:
            suite = _suite_requirements(mysql)
        _uv("pip", "install", "-q", "--python", str(interpreter), *suite, *django)
        if CHECKOUT is None:
            shutil.copytree(PACKAGE, _site_packages(interpreter) / PACKAGE.name, dirs_exist_ok=True)
    except BaseException:  # a failed install, Ctrl-C, SIGTERM: nothing half-built is kept
        shutil.rmtree(folder, ignore_errors=True)
        building.unlink(missing_ok=True)
        raise
    building.unlink()
    return interpreter


def _take_over(building: Path) -> None:
    """Clear the leftovers of a build killed half-way; refuse while another run builds it."""
    try:
        builder = int(building.read_text())
    except (OSError, ValueError):
        if not building.exists():
            return
        builder = 0
    if builder and builder != os.getpid() and alive(builder):
        raise BenchError(
            f"another run (pid {builder}) is building {building.name.removesuffix(BUILDING)}: "
            "try again when it ends"
        )
    shutil.rmtree(building.with_name(building.name.removesuffix(BUILDING)), ignore_errors=True)
    building.unlink(missing_ok=True)


def reap_unfinished() -> list[Path]:
    """Venvs whose build was killed half-way (their builder is gone): removed."""
    gone = []
    for marker in (cache_dir() / "venvs").glob(f"*{BUILDING}"):
        with contextlib.suppress(OSError, ValueError):
            if not alive(int(marker.read_text())):
                folder = marker.with_name(marker.name.removesuffix(BUILDING))
                shutil.rmtree(folder, ignore_errors=True)
                marker.unlink()
                gone.append(folder)
    return gone


def _suite_requires_python() -> str:
    if CHECKOUT is not None:
        return str(
            tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]["requires-python"]
        )
    from importlib.metadata import metadata

    return str(metadata(DISTRIBUTION)["Requires-Python"])


def _suite_key() -> str:
    """What a venv of the suite depends on: its checkout's pyproject.toml (the code itself is
    installed editable), or every file of the installed package (copied)."""
    digest = hashlib.sha256()
    if CHECKOUT is not None:
        digest.update((CHECKOUT / "pyproject.toml").read_bytes())
    else:
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PACKAGE)).encode() + path.read_bytes())
    return digest.hexdigest()[:8]


def _suite_requirements(mysql: bool) -> list[str]:
    """The installed suite's own requirements, with the MySQL driver where this one has it."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    wanted = []
    for line in requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or (mysql and marker.evaluate({"extra": "mysql"})):
            requirement.marker = None
            wanted.append(str(requirement))
    return wanted


def _site_packages(interpreter: Path) -> Path:
    done = subprocess.run(
        [str(interpreter), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


def _uv(*args: str) -> None:
    try:
        from uv import find_uv_bin

        uv = find_uv_bin()
    except (ImportError, FileNotFoundError):
        uv = shutil.which("uv") or ""
    if not uv:
        raise BenchError("--django builds venvs with uv: pip install uv")
    done = subprocess.run([uv, *args], capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BenchError(f"uv {args[0]} failed: {(lines or ['?'])[-1].strip()}")


def _installed_version(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import django; print(django.get_version())"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "?"


def _git_state(checkout: Path) -> tuple[str | None, bool | None]:
    head = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if head.returncode != 0:
        return None, None
    status = subprocess.run(
        ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    return head.stdout.strip(), bool(status.stdout.strip())


def _minor(python: Path) -> str:
    """ "3.12" for a python3.12 (asking the interpreter when its name does not say)."""
    named = re.fullmatch(r"python(3\.\d+)", python.name)
    if named:
        return named.group(1)
    done = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()
