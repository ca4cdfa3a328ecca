"""Results on disk: one JSON file per run, written atomically, never overwritten.

A run file is pytest-benchmark's JSON (so `pytest-benchmark compare` reads it) with one more
top-level key, "ormbench", holding the run's metadata.

SCHEMA_VERSION history:
  1  first format: pytest-benchmark JSON + "ormbench" {schema_version, scale, seed, databases,
     scenarios, failed, skipped, environment}; per benchmark extra_info {scenario, variant,
     role, database, vendor, scale, n, queries, expected_queries, peak_memory_bytes, valid,
     error[, explain]}; raw round times in stats.data.
     Added since, optional when read: extra_info mode (null, "autocommit", "request"; a
     "request" benchmark's scenario is "<name>@request") and round_trips (null on SQLite);
     per database setup {no_fsync, data_filesystem, buffers[, journal]}, restore_seconds,
     snapshot_seconds, settings.session_isolation; per scenario mode and effect_from. Write
     figures taken before "mode" existed ran inside one rolled-back transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.errors import BenchError

SCHEMA_VERSION = 1
RUNS_FOLDER = "runs"


def runs_dir(results: Path) -> Path:
    return results / RUNS_FOLDER


def ensure_writable(results: Path) -> None:
    """Fail before any work is done if the results folder cannot take a new file."""
    folder = runs_dir(results)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BenchError(f"results folder {folder} is not writable: {exc.strerror}") from None


def save_run(doc: dict[str, Any], results: Path) -> Path:
    """Write `doc` under results/runs/ with a new name; never replace an existing file.

    The data goes to a hidden temporary file first, is flushed to disk, then linked to its final
    name: `os.link` fails if that name exists, so two runs finishing at once cannot collide, and
    a reader never sees a half-written run.
    """
    folder = runs_dir(results)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = (doc.get("commit_info") or {}).get("id") or "nogit"
    tmp = folder / f".{stamp}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(doc, out, indent=1, default=str)
        out.flush()
        os.fsync(out.fileno())
    try:
        for attempt in range(100):
            suffix = f"-{attempt}" if attempt else ""
            final = folder / f"{stamp}_{str(commit)[:8]}_{doc['ormbench']['scale']}{suffix}.json"
            try:
                os.link(tmp, final)
                return final
            except FileExistsError:
                continue
        raise BenchError(f"could not find a free file name in {folder}")
    finally:
        tmp.unlink(missing_ok=True)


def load_run(path: Path) -> dict[str, Any]:
    """Read a run file; BenchError when it is missing, corrupt or of another schema."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"no such results file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BenchError(f"results file {path} is corrupt: {exc}") from None
    meta = doc.get("ormbench") if isinstance(doc, dict) else None
    if not isinstance(meta, dict) or not isinstance(doc.get("benchmarks"), list):
        raise BenchError(f"{path} is not a django-ormbench results file")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise BenchError(
            f"{path} has results schema {version!r}; this version of django-ormbench reads "
            f"schema {SCHEMA_VERSION} only"
        )
    return doc


def save_comparison(
    results: Path, texts: dict[str, str], draw: dict[str, Callable[[Path], None]]
) -> Path:
    """Write a comparison's files into a new folder results/compare/<time>-<random>/."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = results / "compare" / f"{stamp}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, make in draw.items():
        make(folder / name)
    return folder


def newest_runs(results: Path, count: int) -> list[Path]:
    files = sorted(runs_dir(results).glob("*.json"), key=lambda p: p.stat().st_mtime)
    return files[-count:]
