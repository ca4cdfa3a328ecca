"""The history index: the figures of every stored run, one row per benchmark, in an embedded
SQLite file (default: results/history.sqlite3, beside the site) or a team's PostgreSQL (`--store
postgresql://...`).

Run files stay the source of truth: the index is built from them and can be rebuilt at will. A
run is keyed by the SHA-256 of its file, so importing it again is a no-op; each run goes in in
one transaction, its row first, so that of several importers of the same run (CI jobs at once)
exactly one inserts it and the others find it there and insert nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ormbench.analysis.compare import CPU_BOUND
from ormbench.errors import BenchError
from ormbench.results import Run

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY, commit_id TEXT NOT NULL, commit_time TEXT, branch TEXT,
        dirty INTEGER, machine TEXT NOT NULL, django TEXT, python TEXT, scale TEXT,
        started TEXT, source TEXT, instructions_machine TEXT)""",
    """CREATE TABLE IF NOT EXISTS points (
        run_id TEXT NOT NULL, database TEXT NOT NULL, server TEXT, scenario TEXT NOT NULL,
        variant TEXT NOT NULL, n INTEGER NOT NULL, valid INTEGER NOT NULL, median REAL,
        timed TEXT, normalized TEXT, cpu_bound INTEGER, queries INTEGER, round_trips INTEGER,
        instructions INTEGER, instruction_calls TEXT,
        PRIMARY KEY (run_id, database, scenario, variant, n))""",
)
# Columns added since the first index: an older index gets them on opening (empty for its runs).
ADDED = (
    ("runs", "instructions_machine", "TEXT"),
    ("points", "instructions", "INTEGER"),
    ("points", "instruction_calls", "TEXT"),
)
POINT_COLUMNS = (
    "run_id, database, server, scenario, variant, n, valid, median, timed, normalized, "
    "cpu_bound, queries, round_trips, instructions, instruction_calls"
)
RUN_COLUMNS = (
    "run_id, commit_id, commit_time, branch, dirty, machine, django, python, scale, started, "
    "source, instructions_machine"
)


@dataclass(frozen=True)
class Point:
    """One benchmark of one run, as the history reads it."""

    run_id: str
    commit_id: str
    commit_time: str
    machine: str
    django: str
    scale: str
    database: str
    server: str
    scenario: str
    variant: str
    n: int
    valid: bool
    median: float
    timed: list[float]  # one figure per process, as timed
    normalized: list[float]  # the same in units of the machine's speed ([] when unmeasured)
    cpu_bound: bool
    queries: int | None
    round_trips: int | None
    instructions: int | None = None  # --measure instructions: the benchmark's count
    instruction_calls: tuple[int, ...] = ()  # every counted call (their spread is the noise)
    instructions_machine: str = ""  # what the counts depend on (`parent.callgrind.identity`)


def run_id(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def machine_of(run: Run) -> str:
    """A machine as the history tells them apart: the name the user gave it (`--machine`, for
    CI runners whose host names change every job), else its host name and its CPU."""
    if run.meta.machine_label:
        return run.meta.machine_label
    cpu = run.machine.get("cpu", {}).get("brand_raw", "")
    return f"{run.machine.get('node', '?')} ({cpu})" if cpu else str(run.machine.get("node", "?"))


class Index:
    """An open history index over a DB-API connection (sqlite3 or psycopg)."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self.connection = connection
        self._mark = placeholder
        for attempt in range(3):
            try:
                with self._transaction() as cursor:
                    for statement in SCHEMA:
                        cursor.execute(statement)
                break
            except Exception:  # noqa: BLE001 - two importers creating the tables at once
                # (PostgreSQL's IF NOT EXISTS is not atomic across sessions): the other won
                if attempt == 2:
                    raise
        for table, column, kind in ADDED:
            try:
                with self._transaction() as cursor:
                    cursor.execute(f"SELECT {column} FROM {table} WHERE 1 = 0")
            except Exception:  # noqa: BLE001 - sqlite3 and psycopg name it differently
                with contextlib.suppress(Exception), self._transaction() as cursor:
                    cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _sql(self, sql: str) -> str:
        return sql.replace("%s", self._mark)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        cursor = self.connection.cursor()
        try:
            yield cursor
            self.connection.commit()
        except BaseException:
            self.connection.rollback()
            raise
        finally:
            cursor.close()

    def add(self, run: Run, key: str, source: str) -> bool:
        """Import one run; False when it was there already."""
        commit = run.commit
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join(['%s'] * 12)}) "
                    "ON CONFLICT (run_id) DO NOTHING"
                ),
                (
                    key,
                    str(commit.get("id", "")),
                    str(commit.get("time", "")),
                    str(commit.get("branch", "")),
                    int(bool(commit.get("dirty"))),
                    machine_of(run),
                    run.django,
                    str(run.meta.environment.get("python", "")),
                    run.meta.scale,
                    run.meta.started or "",
                    source,
                    str((run.meta.instructions_machine or {}).get("key", "")),
                ),
            )
            if cursor.rowcount == 0:
                return False
            servers = {
                name: str(info.get("server_version", ""))
                for name, info in run.meta.databases.items()
            }
            cursor.executemany(
                self._sql(
                    f"INSERT INTO points ({POINT_COLUMNS}) VALUES ({', '.join(['%s'] * 15)})"
                ),
                [
                    (
                        key,
                        f.database,
                        servers.get(f.database, ""),
                        f.scenario,
                        f.variant,
                        f.n,
                        int(b.valid),
                        b.median,
                        _json_list(b.process_medians),
                        _json_list(_normalized(b.figures.process_normalized, b.figures)),
                        int((f.cpu_share or 0) >= CPU_BOUND),
                        f.queries,
                        f.round_trips,
                        f.instructions,
                        _json_list(f.call_instructions) if f.instructions else None,
                    )
                    for b in run.benchmarks
                    for f in [b.figures]
                ],
            )
        return True

    def known(self) -> set[str]:
        with self._transaction() as cursor:
            cursor.execute("SELECT run_id FROM runs")
            return {row[0] for row in cursor.fetchall()}

    def points(self) -> list[Point]:
        with self._transaction() as cursor:
            cursor.execute(
                "SELECT p.run_id, r.commit_id, r.commit_time, r.machine, r.django, r.scale, "
                "p.database, p.server, p.scenario, p.variant, p.n, p.valid, p.median, p.timed, "
                "p.normalized, p.cpu_bound, p.queries, p.round_trips, p.instructions, "
                "p.instruction_calls, r.instructions_machine "
                "FROM points p JOIN runs r ON r.run_id = p.run_id"
            )
            rows = cursor.fetchall()
        return [_point(row) for row in rows]

    def close(self) -> None:
        self.connection.close()


TEXT_FIELDS = (
    "run_id",
    "commit_id",
    "commit_time",
    "machine",
    "django",
    "scale",
    "database",
    "server",
    "scenario",
    "variant",
)


def _point(row: Sequence[Any]) -> Point:
    text = {name: str(value) for name, value in zip(TEXT_FIELDS, row, strict=False)}
    return Point(
        **text,
        n=int(row[10]),
        valid=bool(row[11]),
        median=float(row[12]),
        timed=json.loads(row[13]),
        normalized=json.loads(row[14]),
        cpu_bound=bool(row[15]),
        queries=row[16],
        round_trips=row[17],
        instructions=row[18],
        instruction_calls=tuple(json.loads(row[19])) if row[19] else (),
        instructions_machine=str(row[20] or ""),
    )


def _json_list(values: Sequence[float] | None) -> str:
    """A list of finite floats as JSON, at a fraction of json.dumps' cost (700 per run)."""
    return "[" + ",".join(map(repr, values)) + "]" if values is not None else "null"


def _normalized(per_process: list[float | None] | None, figures: Any) -> list[float]:
    values = per_process or [figures.speed_normalized_median]
    return [float(v) for v in values if v] if all(values) else []


INDEX_TABLES = {"runs", "points"}


def _refuse_other_sqlite(path: Path) -> None:
    """An existing file that is not a history index (an application's database, say) is left
    alone: opening it would switch it to WAL and add tables."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as probe:
            tables = {
                row[0]
                for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    except sqlite3.DatabaseError:
        tables = {"(not SQLite)"}
    if not tables <= INDEX_TABLES:
        raise BenchError(
            f"--store {path} is a file of something else; name a new file or a history index"
        )


def open_index(store: str | None, results: Path) -> Index:
    """The default SQLite file results/history.sqlite3, or the PostgreSQL URL given."""
    remote = store is not None and store.lower().startswith(("postgresql://", "postgres://"))
    if store is not None and "://" in store and not remote:
        scheme = store.split(":")[0]
        raise BenchError(f"--store takes a postgresql:// URL or a file path, not {scheme}://...")
    if not remote:
        path = Path(store) if store else results / "history.sqlite3"
        _refuse_other_sqlite(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=60)
        # one commit per run: with a write-ahead log it is durable without a sync of the file
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return Index(connection, "?")
    import psycopg

    from ormbench.servers import postgresql
    from ormbench.servers.url import parse

    assert store is not None
    server = parse(store)
    if not urlsplit(store).path.strip("/"):
        raise BenchError(f"--store {server.safe_display}: name the database to keep the index in")
    try:
        remote = postgresql.connect(server, connect_timeout=10)
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["?"])[0]
        raise BenchError(
            f"cannot open the history store {server.safe_display}: {server.scrub(first)}"
        ) from None
    return Index(remote, "%s")
