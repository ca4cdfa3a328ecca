"""Instruction counts under valgrind's callgrind: the parent's side of `--measure instructions`.

On this machine processes of the same code differ by 30-40% in time, so no comparison of
processes sees a 2-10% change. The instructions the CPU executes for the same call do not move
with the machine's load: a worker started under callgrind (`argv`) counts them around each
measured call only, switched on and off by a small compiled helper (`helper`) that issues
callgrind's client requests. What stays variable is removed at the source: ASLR off (setarch
-R), one hash seed, glibc's allocator without its caches (`ALLOCATOR`), garbage collected before
each call (`ormbench.worker.counting`).

Counted: the Python, Django and driver side of a call, and on SQLite the database engine too
(it runs in the process). Not counted: time blocked on a socket or a disk, and the CPU of a
PostgreSQL or MariaDB server; for that side the exact co-metrics (buffers, rows examined,
Handler_read_*, SQL shapes, round trips) stand beside the counts.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ormbench.dataset.scales import cache_dir
from ormbench.errors import BenchError

HELPER_SOURCE = "callgrind.c"
HEADER = "valgrind/callgrind.h"
INSTALL = "install valgrind (Debian: apt-get install valgrind), or measure time"


@cache
def unavailable() -> str | None:
    """Why instructions cannot be counted here, in one line; None when they can."""
    if platform.system() != "Linux":
        return f"valgrind does not run on {platform.system()} {platform.machine()}: {INSTALL}"
    missing = [tool for tool in ("valgrind", "setarch") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found: {INSTALL}"
    if _compiler() is None:
        return "no C compiler (cc) to build the callgrind helper: install gcc"
    if _header() is None:
        return f"{HEADER} not found (Debian's valgrind package ships it): {INSTALL}"
    return None


def require() -> None:
    reason = unavailable()
    if reason:
        raise BenchError(f"--measure instructions: {reason}")


@cache
def helper() -> Path:
    """The compiled helper, built once per source, header and compiler into the cache folder."""
    require()
    source = resources.files(__package__).joinpath(HELPER_SOURCE).read_bytes()
    header = _header()
    compiler = _compiler()
    assert header is not None and compiler is not None
    key = hashlib.sha256(source + header.read_bytes() + compiler.encode()).hexdigest()[:16]
    built = cache_dir() / "callgrind" / f"helper-{key}.so"
    if built.exists():
        return built
    built.parent.mkdir(parents=True, exist_ok=True)
    scratch = built.with_suffix(f".{os.getpid()}.tmp")
    src = scratch.with_suffix(".c")
    src.write_bytes(source)
    done = subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", f"-I{header.parent.parent}", "-o", str(scratch), src],
        capture_output=True,
        text=True,
    )
    src.unlink(missing_ok=True)
    if done.returncode != 0:
        scratch.unlink(missing_ok=True)
        why = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BenchError(f"building the callgrind helper failed: {why}")
    os.replace(scratch, built)  # two runs building at once: either file is the same
    return built


def bytecode_cache() -> dict[str, str]:
    """Environment for every worker of a counting run: compiled bytecode kept in the cache
    folder. Compiling Django's sources again in each process (as PYTHONDONTWRITEBYTECODE asks)
    costs seconds natively and half a minute under valgrind; the timed processes, which run
    first, fill it for the counting ones."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(cache_dir() / "pycache")}


# glibc's allocator in a counting process, without its per-thread cache (tcache) and its fast
# bins: a freed block is merged with its neighbours at once instead of kept for reuse, so what
# a call pays to allocate does not depend on what the process freed before it. With them, a
# PostgreSQL bulk INSERT of 100 rows counted 9.17 M in some processes and 9.25 M in others, each
# repeating to 0.1% (the difference: malloc_consolidate and _int_malloc, 60 k instructions), and
# the largest gap between the sides of an A/A of the catalogue was 0.66-0.94%; without them,
# 0.22% (median 0.037%). Timed processes keep the allocator users have.
ALLOCATOR = "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0"


def environment() -> dict[str, str]:
    """What a counting process adds to its environment (`ALLOCATOR`, after the user's own
    tunables)."""
    mine = os.environ.get("GLIBC_TUNABLES")
    return {"GLIBC_TUNABLES": f"{mine}:{ALLOCATOR}" if mine else ALLOCATOR}


def argv(out: Path, cache_sim: bool) -> list[str]:
    """The prefix that starts a worker under callgrind, counting nothing until asked.

    The cache simulation (for estimated cycles) doubles the cost of a counted call, so only
    one process a side runs it; the instruction counts are the same either way.
    """
    return [
        "setarch",
        platform.machine(),
        "-R",  # no address randomisation: dict and allocator layouts repeat across processes
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--cache-sim={'yes' if cache_sim else 'no'}",
        "--dump-instr=no",
        "--dump-line=no",
        "--log-file=" + str(out / "valgrind.%p.log"),
        "--callgrind-out-file=" + str(out / "callgrind.%p"),
    ]


@cache
def identity() -> dict[str, Any]:
    """What instruction counts of the same code depend on across machines: the architecture,
    the Python build, valgrind's version and the CPU features valgrind presents to the program
    (glibc picks its string routines by them). Not the host name: a hosted CI runner gets a new
    one every job, and its counts still belong to one series."""
    require()
    features = _cpu_features()
    found = {
        "arch": platform.machine(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]} "
        f"{' '.join(platform.python_build())} {platform.python_compiler()}",
        "valgrind": _output(["valgrind", "--version"]).strip(),
        "cpu_features": hashlib.sha256(features.encode()).hexdigest()[:12],
        "allocator": ALLOCATOR,  # counts taken with glibc's caches are another series
    }
    digest = hashlib.sha256(repr(sorted(found.items())).encode()).hexdigest()[:10]
    return {
        **found,
        "key": f"{found['arch']}-py{sys.version_info[0]}.{sys.version_info[1]}-{digest}",
    }


def _cpu_features() -> str:
    """The CPU features glibc sees under valgrind, as its loader reports them (glibc 2.33+);
    else the model valgrind emulates is all there is to tell."""
    loader = next(iter(sorted(Path("/lib64").glob("ld-linux*.so*"))), None)
    if loader is not None:
        report = _output(["valgrind", "--tool=none", "-q", str(loader), "--list-diagnostics"])
        lines = [line for line in report.splitlines() if line.startswith("x86.cpu_features")]
        if lines:
            return "\n".join(lines)
    return platform.processor() or platform.machine()


def _output(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    return done.stdout


@cache
def _compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")


@cache
def _header() -> Path | None:
    for folder in ("/usr/include", "/usr/local/include", "/opt/homebrew/include"):
        path = Path(folder) / HEADER
        if path.exists():
            return path
    return None
