"""A migration adding an index to a large table (250 000 rows at s and m, a million at l) while
a writer keeps inserting and updating rows of it: AddIndex against AddIndexConcurrently on
PostgreSQL, and AddIndex on MariaDB (InnoDB builds secondary indexes online).

The migration runs through Django's migration machinery (the operation's `database_forwards` under
the schema editor, as `migrate` runs it, without recording it in django_migrations). The time also
holds the writer's start (five writes) and stop (a DELETE by key range), and the copy of the
rendered models' state the migration changes, a few milliseconds; `observed.migration_ms` is the
migration alone. Beside it, `observed` says what the writer
(`ormbench.catalogue.writer`) saw during the migration: its worst stall (the longest single write)
and its writes per second. On PostgreSQL, CREATE INDEX holds a SHARE lock on the table for the whole
build, so every INSERT and UPDATE waits for it; CREATE INDEX CONCURRENTLY takes longer (two passes
over the table) but lets writes through. What to take from it: on a large, busy PostgreSQL table,
use AddIndexConcurrently (in a migration with `atomic = False`). The writer undoes its own rows when
it stops and the index is dropped after every call, outside the timing; the schema is checked as
well as the rows.
"""

import time

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import connection, migrations, models

from ormbench.catalogue.historical import migration_state
from ormbench.catalogue.models_app.models import Visit
from ormbench.catalogue.writer import busy_writer
from ormbench.declare.scenario import Correct, Observed, Requires, Scenario

INDEX = models.Index(fields=["day", "hits"], name="visit_day_hits_idx")


def index_names():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Visit._meta.db_table)
    return sorted(name for name, c in found.items() if c["index"] and not c["primary_key"])


def drop_index():
    if INDEX.name in index_names():
        with connection.schema_editor(atomic=False) as editor:
            editor.remove_index(Visit, INDEX)


schema_change = Scenario(
    "schema_change",
    sizes=(1, 2),
    n_of=None,  # n: rows each write of the writer inserts
    writes=True,
    effect_from="l",
    correct=Correct(
        state=lambda n: index_names(),
        constant_result="every variant adds the same index whatever the writer's batch (n); the "
        "check that can fail is the state: the index is there, and the writer left no row behind",
    ),
    undo_schema=drop_index,
    applies=Requires(
        vendors=("postgresql", "mysql"),
        scales=("s", "m", "l"),
        why="SQLite: CREATE INDEX takes the database's only write lock, whatever the operation",
    ),
)


def migrate_with(operation, atomic, n):
    """Apply a one-operation migration as the executor does, while a writer runs."""
    migration = type("Migration", (migrations.Migration,), {"atomic": atomic})(
        "add_visit_index", "models_app"
    )
    migration.operations = [operation]
    state = migration_state().clone()  # apply() changes the state it is given
    with busy_writer(n) as writer:
        start = time.perf_counter()
        with connection.schema_editor(atomic=migration.atomic) as editor:
            migration.apply(state, editor)
        end = time.perf_counter()
    return Observed(
        INDEX.name, {**writer.during(start, end), "migration_ms": round(1000 * (end - start))}
    )


@schema_change.naive(queries={"postgresql": 3, "default": 1})
def add_index(n):
    """migrations.AddIndex in an atomic migration: CREATE INDEX (on PostgreSQL inside BEGIN ...
    COMMIT, holding the table's SHARE lock until the COMMIT)."""
    return migrate_with(migrations.AddIndex("visit", INDEX), True, n)


@schema_change.optimized(
    queries=1, applies=Requires(vendors=("postgresql",), why="PostgreSQL's operation")
)
def add_index_concurrently(n):
    """AddIndexConcurrently (django.contrib.postgres) in a migration with atomic = False:
    CREATE INDEX CONCURRENTLY, which lets writes through while it builds."""
    return migrate_with(AddIndexConcurrently("visit", INDEX), False, n)
