"""The catalogue's models as a migration sees them: the state built from its migration files."""

import functools

from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

APP = "models_app"


@functools.cache
def migration_state() -> ProjectState:
    """The models' state after the app's last migration, from the files alone (no query), read
    and rendered once, as `migrate` renders it before its first migration. Rendering every model
    takes far longer than a small migration, and `migrate` pays it once per command, not per
    operation: it stays outside every timing. A clone carries the rendered models."""
    loader = MigrationLoader(None)
    (last,) = loader.graph.leaf_nodes(APP)
    state = loader.project_state(last, at_end=True)
    state.apps  # noqa: B018 (rendered here)
    return state
