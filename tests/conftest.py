"""Fixtures: real throwaway servers and a helper that runs the real command line.

Tests come in two layers: fast ones on synthetic or committed runs (`tests/fixtures/`), and
those that need real servers, a real bench run or a browser, marked `servers` (`-m "not
servers"` runs the fast layer in seconds). A test that takes a server fixture is marked by that
alone."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ormbench.servers import Database, provide
from ormbench.servers.base import workspace_root

pytest.register_assert_rewrite("tests.faults")
from tests.faults import heard  # noqa: E402

pytest_plugins = ["tests.faults", "pytester"]

ROOT = Path(__file__).resolve().parents[1]
# A real run (fk_access, counter_race, inserts, upsert_ignore at xs on all three databases),
# committed so that the report, compare and results tests run without servers.
FIXTURE_RUN = ROOT / "tests" / "fixtures" / "run-xs.json"
CATALOGUE = ROOT / "ormbench" / "catalogue"


def scenario_module(name: str, root: Path = ROOT) -> Path:
    """The file of a bundled scenario module, in whichever group folder it sits."""
    return next((root / CATALOGUE.relative_to(ROOT) / "scenarios").rglob(f"{name}.py"))


SERVER_FIXTURES = {
    "xs_run", "postgresql_server", "mysql_server", "mutant_run", "mysql_user", "installed_wheel"
}  # fmt: skip


# Session fixtures of a minute or more: under pytest-xdist, the tests that take one run on one
# worker (`--dist loadgroup`), so that it is built once.
BUILT_ONCE = ("xs_run", "installed_wheel")


def _worker_folder(config: pytest.Config) -> Path | None:
    """A pytest-xdist worker's temporary folder, of this test session's (two sessions at once
    never share one); None outside pytest-xdist. Short: the servers' sockets lie under it."""
    given = getattr(config, "workerinput", {})
    if "workerid" not in given:
        return None
    return Path(f"/tmp/ob-{given['testrunuid'][:8]}-{given['workerid']}")


def pytest_configure(config: pytest.Config) -> None:
    """A pytest-xdist worker gets a temporary folder of its own ($TMPDIR), and with it its own
    servers' folders (`workspace_root`): what a test finds left behind is its worker's alone."""
    folder = _worker_folder(config)
    if folder:
        folder.mkdir(exist_ok=True)
        os.environ["TMPDIR"] = str(folder)
        tempfile.tempdir = None  # found again from $TMPDIR


def pytest_unconfigure(config: pytest.Config) -> None:
    """A worker's temporary folder goes with it, unless a server's folder is left in it (the
    fault watch has named it then; it stays to be looked at)."""
    folder = _worker_folder(config)
    if folder and not list(folder.glob("ormbench-*")):
        shutil.rmtree(folder, ignore_errors=True)


def _group(item: pytest.Item) -> str | None:
    """The pytest-xdist group a test must share a worker with: that of an expensive session
    fixture it takes, or its module's where it takes a module-scoped fixture."""
    names = set(getattr(item, "fixturenames", ()))
    built_once = [name for name in BUILT_ONCE if name in names]
    if built_once:
        return built_once[0]
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info else ()
    if any(found[-1].scope == "module" for found in defs if found):
        return str(item.module.__name__) if isinstance(item, pytest.Function) else None
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)
        group = _group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)  # after pytest-xdist named the groups
def pytest_collection_finish(session: pytest.Session) -> None:
    if not getattr(session.config.option, "loadgroup", False):
        return
    split = [
        i.nodeid
        for i in session.items
        if i.get_closest_marker("xdist_group") and "@" not in i.nodeid
    ]
    if split:
        raise pytest.UsageError(f"pytest-xdist did not group {split[0]} (see pyproject.toml)")


def bench(
    *args: str, results: Path, timeout: float = 900, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m ormbench run ...` as a user runs it; output captured as text."""
    done = subprocess.run(
        [sys.executable, "-m", "ormbench", "run", "--results", str(results), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )
    heard(done.stdout + done.stderr)
    return done


def in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m ormbench ...` called in this process (no interpreter to start, nothing to import
    again): the same exit status and output, for the fast layer's command-line tests."""
    from ormbench import cli

    out, err = io.StringIO(), io.StringIO()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    heard(out.getvalue() + err.getvalue())
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


class Opened:
    """A page open in headless Chromium with the network cut: what it logged, what it tried to
    fetch beyond its own folder, and the page itself (Playwright's) to act on."""

    def __init__(self, context: Any, path: Path) -> None:
        self.console: list[str] = []
        self.requests: list[str] = []
        folder = path.parent.resolve().as_uri()

        def route(found: Any) -> None:
            if found.request.url.startswith(folder):
                found.continue_()
            else:  # the network is off: anything else is recorded and refused
                self.requests.append(found.request.url)
                found.abort()

        self.page = context.new_page()
        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.goto(path.resolve().as_uri())
        # the filter script marks the body once every chart has drawn and the filter applied
        self.page.wait_for_function("document.body.dataset.filtered !== undefined")

    def filtered(self) -> dict[str, str]:
        self.page.wait_for_function("document.body.dataset.filtered !== undefined")
        return dict(json.loads(self.page.evaluate("document.body.dataset.filtered")))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright (the system's Chromium: nothing downloaded);
    skips where Chromium is not installed (`apt-get install chromium`; .ci/run does). A
    module's: Playwright's event loop runs in this thread while it is open, and Django refuses
    a database call from an async context in the tests that follow (whatever a pytest-xdist
    worker runs next)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium): cannot render")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = launched.new_context(viewport={"width": 1300, "height": 1600})
        context.set_default_timeout(30_000)
        yield context
        launched.close()


def open_page(browser: Any, path: Path) -> Opened:
    return Opened(browser, path)


def compare(
    *args: str, cwd: Path = ROOT, results: Path, timeout: float = 1200
) -> subprocess.CompletedProcess[str]:
    """`python -m ormbench compare ...` as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "ormbench", "compare", *args, "--results", str(results)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    heard(done.stdout + done.stderr)
    return done


def newest_run(results: Path) -> dict[str, Any]:
    files = sorted((results / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert files, f"no run file under {results}"
    return dict(json.loads(files[-1].read_text()))


def ormbench_processes() -> list[str]:
    """Database servers whose data folder is one of ours (the check the CI box also runs)."""
    # -ww: the whole command line, whatever the terminal width (pytest runs ps at 80 columns)
    out = subprocess.run(["ps", "-ww", "-eo", "args="], capture_output=True, text=True).stdout
    return [
        line
        for line in out.splitlines()
        if ("postgres" in line or "mariadbd" in line or "mysqld" in line)
        and f"{workspace_root()}/ormbench-" in line
    ]


def ormbench_folders() -> list[Path]:
    return sorted(workspace_root().glob("ormbench-*"))


def git_repo(repo: Path) -> list[str]:
    """A git repository with one commit at `repo`; the argv prefix of git commands in it."""
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "f").write_text("x")
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    return git


INVALIDATED = "returned other data than the naive one"


@pytest.fixture(scope="session")
def fixture_report(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, Any], str, Path]:
    """The committed run with one optimized benchmark marked invalid, and the report page built
    from it, and its folder: built once, read by the report tests."""
    from ormbench import store
    from ormbench.present.report.build import build
    from ormbench.results import Run

    doc = json.loads(FIXTURE_RUN.read_text())
    target = next(b for b in doc["benchmarks"] if b["extra_info"]["role"] == "optimized")
    target["extra_info"].update(valid=False, error=INVALIDATED)
    folder = tmp_path_factory.mktemp("fixture-report")
    page = build(store.save_run(Run.read(doc), folder), folder)
    return doc, page.read_text(encoding="utf-8"), page.parent


@pytest.fixture(scope="session")
def xs_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real run of the whole catalogue at scale xs on all three databases, one round each."""
    results = tmp_path_factory.mktemp("results")
    processes, folders = set(ormbench_processes()), set(ormbench_folders())
    done = bench("--scale", "xs", "--rounds", "1", results=results)
    runs = sorted((results / "runs").glob("*.json"))
    return {
        "proc": done,
        "results": results,
        "path": runs[-1] if runs else None,
        "doc": json.loads(runs[-1].read_text()) if runs else {},
        "processes_before": processes,
        "folders_before": folders,
        # taken right after the run: later fixtures may start servers of their own
        "processes_after": set(ormbench_processes()),
        "folders_after": set(ormbench_folders()),
    }


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[Database]:
    with provide("postgresql", sources=("local", "embedded")) as db:
        yield db


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[Database]:
    with provide("mysql", sources=("local",)) as db:
        yield db


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The suite built as a wheel with uv and installed (with the MySQL driver) into a fresh venv
    that has nothing of the checkout on its path: {"wheel": ..., "venv": ...}."""
    from uv import find_uv_bin

    uv = str(find_uv_bin())
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([uv, "build", "-q", "--wheel", "-o", str(folder / "dist"), str(ROOT)],
                   check=True)  # fmt: skip
    (wheel,) = (folder / "dist").glob("*.whl")
    venv = folder / "venv"
    subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(venv)], check=True)
    install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
    subprocess.run([*install, f"{wheel}[mysql]"], check=True, timeout=900)
    return {"wheel": wheel, "venv": venv}


class BenchProcess:
    """A `python -m ormbench run` in its own process group, its output collected as it comes."""

    def __init__(self, *args: str, results: Path, background: bool = False) -> None:
        """background: start it as a shell starts `cmd &`, with SIGINT ignored."""
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "ormbench", "run", "--results", str(results), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
            if background
            else None,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, marker: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            assert self.proc.poll() is None or marker in self.output, (
                f"exited before {marker!r}: {self.output[-2000:]}"
            )
            assert time.monotonic() < deadline, f"no {marker!r} within {timeout} s"
            time.sleep(0.05)

    def signal_group(self, sig: int) -> None:
        """What a terminal's Ctrl-C does: the signal goes to every process of the group."""
        os.killpg(self.proc.pid, sig)

    def finish(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(10)
        heard(self.output)
        return code
