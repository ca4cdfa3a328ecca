"""Nothing of the user's is removed: folders that look like the suite's but are not, and a
report/ or history/ folder the suite did not build."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from ormbench import store
from ormbench.errors import BenchError
from ormbench.servers import base
from tests.conftest import git_repo


def _aged(folder: Path, seconds: float = 3600) -> Path:
    folder.mkdir()
    past = time.time() - seconds
    os.utime(folder, (past, past))
    return folder


@pytest.mark.fault
def test_only_an_empty_folder_of_the_suites_own_name_is_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "workspace_root", lambda: tmp_path)
    users = _aged(tmp_path / "ormbench-results")
    (users / "runs").mkdir()
    cache = _aged(tmp_path / "ormbench-cache")
    full = _aged(tmp_path / "ormbench-run-abcd1234")
    (full / "notes.txt").write_text("mine")
    left = _aged(tmp_path / "ormbench-postgresql-replica-x1y2z3_9")
    fresh = tmp_path / "ormbench-run-fresh123"
    fresh.mkdir()
    assert base.reap_orphans() == [left]
    assert users.exists() and cache.exists() and full.exists() and fresh.exists()
    assert not left.exists()


@pytest.mark.fault
def test_a_folder_whose_maker_died_before_its_owner_file_was_whole_is_reaped_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILLed between making a server's folder and writing its owner file, a run left the
    folder with an empty owner file: never reaped (rmdir of a folder holding a file), and
    young enough at the next run's start to be taken for a live run's. Its name names its
    maker."""
    monkeypatch.setattr(base, "workspace_root", lambda: tmp_path)
    ended = subprocess.Popen(["true"])
    ended.wait()
    dead = tmp_path / f"ormbench-postgresql-replica-{ended.pid}-ab12cd34"
    dead.mkdir()
    (dead / base.OWNER_FILE).write_text("")
    live = tmp_path / f"ormbench-postgresql-{os.getpid()}-ab12cd34"
    live.mkdir()
    users = tmp_path / f"ormbench-results-{ended.pid}-ab12cd34"  # a look-alike with files
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    assert base.reap_orphans() == [dead]
    assert not dead.exists() and live.exists() and (users / "notes.txt").exists()
    with base.workspace("sqlite") as made:
        assert base.MAKER.search(made.name)["pid"] == str(os.getpid())


@pytest.mark.fault
def test_a_report_folder_the_suite_did_not_build_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.mkdir()
    (target / "quarterly.docx").write_text("the user's own")
    staging = tmp_path / ".staging"
    staging.mkdir()
    with pytest.raises(BenchError, match="was not written by django-ormbench"):
        store.swap_in(staging, target)
    assert (target / "quarterly.docx").read_text() == "the user's own"


def test_a_report_the_suite_built_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "report"
    for version in ("first", "second"):
        staging = tmp_path / f".staging-{version}"
        staging.mkdir()
        (staging / "index.html").write_text(f"<title>django-ormbench report</title>{version}")
        store.swap_in(staging, target)
    assert (target / "index.html").read_text().endswith("second")
    assert (target / store.BUILT_MARK).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # nothing left beside it
    # one written before the mark existed: its page and charts only
    (target / store.BUILT_MARK).unlink()
    (target / "a.png").write_bytes(b"")
    staging = tmp_path / ".staging-third"
    staging.mkdir()
    store.swap_in(staging, target)
    assert not (target / "a.png").exists()


@pytest.mark.fault
def test_a_run_is_kept_where_the_filesystem_has_no_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests import factory

    def no_links(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    run = factory.run([factory.benchmark("v")])
    first, second = store.save_run(run, tmp_path), store.save_run(run, tmp_path)
    assert first != second and store.load_run(first).benchmarks[0].figures.variant == "v"
    assert sorted(p.name for p in store.runs_dir(tmp_path).iterdir()) == sorted(
        [first.name, second.name]
    )  # no temporary file left


@pytest.mark.fault
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from tests import factory

    def full(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(BenchError, match="No space left on device"):
        store.save_run(factory.run([factory.benchmark("v")]), tmp_path)
    assert list(store.runs_dir(tmp_path).iterdir()) == []


@pytest.mark.fault
def test_a_password_a_driver_quoted_is_scrubbed_from_the_workers_answer(tmp_path: Path) -> None:
    from ormbench.protocol import WorkerAnswer

    secret = 'pa"ss\\\\word'
    answer = WorkerAnswer(
        "postgresql",
        failed=[{"error": f"bad dsn {secret}"}],
        benchmarks={"error": f"x {secret} y"},
    )
    path = tmp_path / "postgresql.answer.json"
    answer.dump(path, secret=secret)
    text = path.read_text()
    assert "word" not in text and text.count("***") == 2
    back = WorkerAnswer.read(path, "postgresql")
    assert back.failed == [{"error": "bad dsn ***"}]
    assert back.benchmarks == {"error": "x *** y"}


@pytest.mark.fault
def test_two_builds_finishing_at_once_take_turns(tmp_path: Path) -> None:
    import threading

    target = tmp_path / "report"
    errors: list[BaseException] = []

    def build(name: str) -> None:
        staging = tmp_path / f".staging-{name}"
        staging.mkdir()
        (staging / "index.html").write_text(f"<p>django-ormbench {name}</p>")
        try:
            store.swap_in(staging, target)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    for round_ in range(30):
        builds = [threading.Thread(target=build, args=(f"{round_}-{k}",)) for k in range(3)]
        for thread in builds:
            thread.start()
        for thread in builds:
            thread.join()
    assert errors == []
    assert "django-ormbench" in (target / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


@pytest.mark.fault
def test_a_comparisons_worktree_leaves_the_users_own_stale_worktrees_alone(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from ormbench.parent import worktrees

    repo = tmp_path / "repo"
    git = git_repo(repo)
    mine = tmp_path / "mine"
    subprocess.run([*git, "worktree", "add", "-q", "--detach", str(mine)], check=True)
    shutil.rmtree(mine)  # the user's worktree folder is gone; git still records it
    with worktrees.detached(repo, "HEAD", "compare") as tree:
        assert (tree / "f").read_text() == "x"
    assert not tree.exists()
    records = {p.name for p in (repo / ".git" / "worktrees").iterdir()}
    assert records == {"mine"}, "only our own record is removed"
