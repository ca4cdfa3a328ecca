"""What a connected server is: exact version, and the settings that change its speed."""

from __future__ import annotations

import dataclasses
from typing import Any

from ormbench.servers import registry


def describe(connection: Any) -> dict[str, Any]:
    """Server and driver versions and speed settings, read from the live connection."""
    with connection.cursor() as cursor:
        found = registry.by_vendor(connection.vendor).describe(cursor)
    return dataclasses.asdict(found)
