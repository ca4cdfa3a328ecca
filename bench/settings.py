"""Django settings built from the database a run was given."""

from __future__ import annotations

from typing import Any


def configure(database: dict[str, Any]) -> None:
    """Point Django at one database, as the `default` alias, and set it up.

    DEBUG stays False: with DEBUG on, every query is also logged in memory, which would be timed.
    Query counts come from `CaptureQueriesContext`, which turns logging on only while it runs.
    """
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        INSTALLED_APPS=["models_app"],
        DATABASES={"default": database},
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        # No LOGGING: Django's default would print nothing we need, and never a password.
        LOGGING_CONFIG=None,
    )
    django.setup()
