"""Scratch folders: one left without an owner (its process died right after making it) is
reaped by the next run; one being made right now is not."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from ormbench.servers.base import OWNERLESS_SECONDS, WORKSPACE_PREFIX, WORKSPACE_ROOT, reap_orphans


def test_an_old_folder_without_owner_is_reaped_a_new_one_kept() -> None:
    old = Path(tempfile.mkdtemp(prefix=f"{WORKSPACE_PREFIX}test-", dir=WORKSPACE_ROOT))
    new = Path(tempfile.mkdtemp(prefix=f"{WORKSPACE_PREFIX}test-", dir=WORKSPACE_ROOT))
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
