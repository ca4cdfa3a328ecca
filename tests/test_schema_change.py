"""schema_change times the migration alone: no database needed to see what it renders."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from ormbench.settings import configure


@pytest.fixture(scope="module", autouse=True)
def django_models() -> None:
    from django.conf import settings

    if not settings.configured:
        configure({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


def test_the_timed_migration_renders_only_the_model_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before the fix, AddIndex rendered every model of the project (as `state.apps` does on an
    unrendered state) inside `observed.migration_ms`."""
    from django.db import connection, migrations
    from django.db.migrations.state import StateApps

    from ormbench.catalogue.scenarios.writes import schema_change

    schema_change.migration_state()  # read once, outside any timing, as the first call does
    rendered: list[int] = []
    render = StateApps.render_multiple

    def counted(self: StateApps, model_states: Any) -> None:
        rendered.append(len(list(model_states)))
        render(self, model_states)

    added: list[tuple[str, str]] = []

    class Editor:  # the schema editor, recording instead of running DDL
        atomic_migration = True

        def __init__(self) -> None:
            self.connection = connection

        def __enter__(self) -> Editor:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def add_index(self, model: Any, index: Any) -> None:
            added.append((model._meta.db_table, index.name))

    @contextlib.contextmanager
    def no_writer(n: int) -> Iterator[Any]:
        yield type("Writer", (), {"during": lambda self, start, end: {}})()

    monkeypatch.setattr(StateApps, "render_multiple", counted)
    monkeypatch.setattr(schema_change, "busy_writer", no_writer)
    monkeypatch.setattr(connection, "schema_editor", lambda atomic=True: Editor())
    every_model = len(schema_change.migration_state().models)
    observed = schema_change.migrate_with(
        migrations.AddIndex("visit", schema_change.INDEX), True, 1
    )
    assert added == [("models_app_visit", "visit_day_hits_idx")]
    assert observed.result == "visit_day_hits_idx" and "migration_ms" in observed.figures
    assert every_model > 5 and rendered and max(rendered) < every_model // 2
