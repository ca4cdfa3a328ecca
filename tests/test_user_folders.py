"""Nothing of the user's is removed: folders that look like the suite's but are not, and a
report/ or history/ folder the suite did not build."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bench import store
from bench.errors import BenchError
from bench.servers import base


def _aged(folder: Path, seconds: float = 3600) -> Path:
    folder.mkdir()
    past = time.time() - seconds
    os.utime(folder, (past, past))
    return folder


def test_only_an_empty_folder_of_the_suites_own_name_is_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "WORKSPACE_ROOT", tmp_path)
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
