"""Scratch folders: one left without an owner (its process died right after making it) is
reaped by the next run; one being made right now is not."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from ormbench.servers.base import (
    OWNERLESS_SECONDS,
    WORKSPACE_PREFIX,
    reap_orphans,
    workspace,
    workspace_root,
)


def test_an_old_folder_without_owner_is_reaped_a_new_one_kept() -> None:
    old = Path(tempfile.mkdtemp(prefix=f"{WORKSPACE_PREFIX}test-", dir=workspace_root()))
    new = Path(tempfile.mkdtemp(prefix=f"{WORKSPACE_PREFIX}test-", dir=workspace_root()))
    try:
        past = time.time() - OWNERLESS_SECONDS - 5
        os.utime(old, (past, past))
        reaped = reap_orphans()
        assert old in reaped and not old.exists()
        assert new.exists() and new not in reaped
    finally:
        for folder in (old, new):
            if folder.exists():
                folder.rmdir()


def test_folders_go_under_a_short_tmpdir_and_under_tmp_when_it_is_too_deep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs with their own $TMPDIR (two CI jobs, two pytest-xdist workers) never see, reap
    or clean each other's servers; a $TMPDIR too deep for a socket path falls back to /tmp."""
    short = Path(tempfile.mkdtemp(prefix="ob-", dir="/tmp"))
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(short))
        assert workspace_root() == short
        with workspace("test") as folder:
            assert folder.parent == short and (folder / "owner.json").exists()
            assert reap_orphans() == []  # its owner is alive: this test
        assert list(short.iterdir()) == []
        deep = tmp_path / ("d" * 50)
        deep.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(deep))
        assert workspace_root() == Path("/tmp")
    finally:
        short.rmdir()
