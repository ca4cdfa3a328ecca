"""Generated datasets kept between runs, in the cache folder: a pickle per scale, seed and
Faker release, loaded only when its digest matches and no other account could have written
it; files a killed run was writing are found and removed (`ormbench clean`)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
from pathlib import Path

from ormbench.dataset.scales import DEFAULT_SEED, Scale, cache_dir
from ormbench.dataset.tables import Dataset, generate

DATASET_VERSION = 6  # bump when generate() changes: cached datasets of other versions are ignored


def generate_cached(size: Scale, seed: int = DEFAULT_SEED) -> tuple[Dataset, bool]:
    """(dataset, whether it came from the cache). A cache file is used only when its SHA-256
    matches the one written beside it and no other account could have written either (a pickle
    runs code as it loads); otherwise the dataset is generated and cached again."""
    from faker import VERSION

    path = cache_dir() / f"dataset-v{DATASET_VERSION}-{size.name}-{seed}-faker{VERSION}.pickle"
    digest = path.with_suffix(".sha256")
    # Files are streamed, never held whole: at scale l the pickle alone is about 180 MB.
    # A cache pickled by another layout of the package names classes that moved: made again.
    with contextlib.suppress(
        OSError, pickle.UnpicklingError, EOFError, ModuleNotFoundError, AttributeError
    ):
        if _ours(path, digest) and _file_sha256(path) == digest.read_text().strip():
            with open(path, "rb") as cached:
                return pickle.load(cached), True
    data = generate(size, seed)
    with contextlib.suppress(OSError):  # a read-only home only costs the next run the time
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
        digest.write_text(_file_sha256(tmp))
        tmp.replace(path)
    return data, False


def reap_partial() -> list[Path]:
    """Cache files a run was writing when it was killed (`.<name>.<pid>.tmp`): removed."""
    from ormbench.servers.base import alive

    gone = []
    for tmp in cache_dir().glob(".dataset-*.tmp"):
        with contextlib.suppress(OSError, ValueError):
            if not alive(int(tmp.name.rsplit(".", 2)[-2])):
                tmp.unlink()
                gone.append(tmp)
    return gone


def _ours(*paths: Path) -> bool:
    """Each file and its folder belong to this account and nobody else may write them."""
    for path in {*paths, *(p.parent for p in paths)}:
        found = path.stat()
        if found.st_uid != os.getuid() or found.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()
