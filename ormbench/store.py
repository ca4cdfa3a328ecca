"""Results on disk: one JSON file per run, written atomically, never overwritten. What a run
file holds, and every schema of it, is `ormbench.results`."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from ormbench.errors import BenchError
from ormbench.results import Run

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


SAVED: list[Path] = []  # the runs this process stored: an interrupted command names them


def save_run(run: Run, results: Path) -> Path:
    """Write `run` under results/runs/ with a new name; never replace an existing file.

    The data goes to a hidden temporary file first, is flushed to disk, then linked to its final
    name: `os.link` fails if that name exists, so two runs finishing at once cannot collide, and
    a reader never sees a half-written run. Where the filesystem has no hard links (exFAT, some
    network and FUSE mounts) the file is created under its final name exclusively instead. A
    write that fails (a full disk) leaves no partial file and is one line.
    """
    folder = runs_dir(results)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = run.commit.get("id") or "nogit"
    data = json.dumps(run.as_dict(), indent=1, default=str).encode()
    tmp = folder / f".{stamp}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        _write_synced(tmp, data, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        for attempt in range(100):
            suffix = f"-{attempt}" if attempt else ""
            final = folder / f"{stamp}_{str(commit)[:8]}_{run.meta.scale}{suffix}.json"
            try:
                _link_or_create(tmp, final, data)
            except FileExistsError:
                continue
            _sync_folder(folder)
            SAVED.append(final)
            return final
        raise BenchError(f"could not find a free file name in {folder}")
    except OSError as exc:
        raise BenchError(f"could not write the run into {folder}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _link_or_create(tmp: Path, final: Path, data: bytes) -> None:
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise
    except OSError:  # no hard links here: an exclusive create cannot replace a file either
        _write_synced(final, data, os.O_CREAT | os.O_EXCL | os.O_WRONLY)


def _write_synced(path: Path, data: bytes, flags: int) -> None:
    """Write and sync a file this call creates; on failure remove it (and only it)."""
    descriptor = os.open(path, flags, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError:
        path.unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    """The new name survives a crash only once the folder itself is on disk."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems cannot sync a folder; the file itself is synced
    finally:
        os.close(descriptor)


def load_run(path: Path) -> Run:
    """Read a run file; BenchError when it is missing, corrupt or of another schema."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"no such results file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BenchError(f"results file {path} is corrupt: {exc}") from None
    return Run.read(doc, str(path))


def save_comparison(
    results: Path,
    texts: dict[str, str],
    draw: dict[str, Callable[[Path], None]],
    bundle: Callable[[Path], None] | None = None,
) -> Path:
    """Write a comparison's files into a new folder results/compare/<time>-<random>/ (and,
    with `bundle`, the page's scripts beside them)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = results / "compare" / f"{stamp}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, make in draw.items():
        make(folder / name)
    if bundle is not None:
        bundle(folder)
    return folder


def write_export(path: Path, text: str) -> None:
    """Write a file the user named (`compare --json FILE`, `export -o FILE`) whole or not at all:
    a temporary file beside it, synced, then renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        _write_synced(tmp, text.encode(), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.replace(tmp, path)
    except OSError as exc:
        raise BenchError(f"could not write {path}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def append_job_summary(markdown: str) -> Path | None:
    """Add `markdown` to the job summary GitHub Actions shows, where $GITHUB_STEP_SUMMARY names
    its file (other steps write to it too: appended, never replaced)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown)
    except OSError as exc:
        raise BenchError(f"could not write the job summary {target}: {exc.strerror}") from None
    return Path(target)


def newest_runs(results: Path, count: int) -> list[Path]:
    files = sorted(runs_dir(results).glob("*.json"), key=lambda p: p.stat().st_mtime)
    return files[-count:]


BUILT_MARK = ".django-ormbench"  # in every folder the suite builds and may replace


# What a build or a write leaves in a results folder while it works, named by its process:
# `.report-<pid>-<hex>` (a report being built), `.<stamp>-<pid>-<hex>.tmp` (a run file being
# written), `.<name>.<pid>-<hex>.tmp`, and `.report-old-<hex>` (the report a swap moved aside).
STAGING = re.compile(r"\.(?:.+?)[-.](?P<pid>\d+)-[0-9a-f]{8}(?:\.tmp)?|\.[a-z]+-old-[0-9a-f]{8}")


def reap_staging(results: Path) -> list[Path]:
    """Remove what builds and writes killed half-way (SIGKILL) left in `results` and its runs/:
    only the suite's own staging names, and only where the process that made it is gone."""
    from ormbench.servers.base import alive

    reaped = []
    for folder in (results, results / "runs"):
        for path in folder.glob(".*") if folder.is_dir() else ():
            found = STAGING.fullmatch(path.name)
            if found is None or (found["pid"] and alive(int(found["pid"]))):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            reaped.append(path)
    return reaped


def swap_in(staging: Path, target: Path) -> Path:
    """Put the folder built in `staging` in place of `target`, which must be one the suite
    built (it holds BUILT_MARK) or not exist: `--results ~/project` must not replace the
    project's own report/. The old one is moved aside first and removed after; two builds that
    finish at once take turns (a lock on the folder that holds the target: no file is left), the
    later one's folder stays."""
    (staging / BUILT_MARK).write_text("built by django-ormbench; replaced on every build\n")
    holder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        if target.exists() and not _built_here(target):
            raise BenchError(
                f"{target} exists and was not written by django-ormbench: move it away, or "
                "choose another --results folder"
            )
        old = target.with_name(f".{target.name}-old-{secrets.token_hex(4)}")
        if target.exists():
            target.rename(old)
        staging.rename(target)
    finally:
        os.close(holder)  # the lock goes with it
    shutil.rmtree(old, ignore_errors=True)
    return target


def _built_here(folder: Path) -> bool:
    """The suite's mark, or what a version before the mark wrote: its index.html and charts,
    nothing else."""
    if (folder / BUILT_MARK).exists():
        return True
    index = folder / "index.html"
    try:
        names = {p.suffix for p in folder.iterdir()}
        return names <= {".html", ".png"} and "django-ormbench" in index.read_text()[:2000]
    except (OSError, UnicodeDecodeError):
        return False
