"""What a connected server is: exact version, and the settings that change its speed."""

from __future__ import annotations

from typing import Any

from bench.servers import registry


def describe(connection: Any) -> dict[str, Any]:
    """Server and driver versions and speed settings, read from the live connection."""
    with connection.cursor() as cursor:
        version, settings, driver = registry.by_vendor(connection.vendor).describe(cursor)
    return {"server_version": version, "settings": settings, "driver": driver}
