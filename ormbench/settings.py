"""Django settings built from the database a run was given."""

from __future__ import annotations

from typing import Any

CATALOGUE_APP = "ormbench.catalogue.models_app"  # the bundled bookshop


def configure(database: dict[str, Any], replica: dict[str, Any] | None = None) -> None:
    """Point Django at one database, as the `default` alias, and set it up; a replica
    of it, if given, is the `replica` alias, with the guides' router (which sends reads there
    only inside `models_app.routers.reads_from_replica()`, so the harness reads the primary).

    DEBUG stays False: with DEBUG on, every query is also logged in memory, which would be timed.
    Query counts come from `CaptureQueriesContext`, which turns logging on only while it runs.
    """
    import django
    from django.conf import settings

    from ormbench import project

    found = project.current()
    if found.external:
        _configure_project(found.settings or "", database, replica)
        django.setup()
        return
    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=[CATALOGUE_APP],
        DATABASES={"default": database, **({"replica": replica} if replica else {})},
        DATABASE_ROUTERS=[f"{CATALOGUE_APP}.routers.PrimaryReplicaRouter"] if replica else [],
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        # No LOGGING: Django's default would print nothing we need, and never a password.
        LOGGING_CONFIG=None,
    )
    django.setup()


def _configure_project(
    module_name: str, database: dict[str, Any], replica: dict[str, Any] | None
) -> None:
    """A user's project: its own settings (apps, models, migrations, routers), with DATABASES
    replaced by the run's database, DEBUG off and no logging configuration of its own (a
    handler of theirs could print a password or add work to the timed calls)."""
    import importlib

    from django.conf import settings

    from ormbench.errors import BenchError

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BenchError(f"[tool.ormbench] settings = {module_name!r}: {exc}") from None
    own = {name: getattr(module, name) for name in dir(module) if name.isupper()}
    own |= {
        "DEBUG": False,
        "DATABASES": {"default": database, **({"replica": replica} if replica else {})},
        "LOGGING_CONFIG": None,
    }
    settings.configure(**own)
