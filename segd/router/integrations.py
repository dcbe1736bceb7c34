"""The `integrations` object of an event, as Segment defines it.

    {"All": false, "Webhooks": true}          only the Webhooks destination
    {"Archive": false}                        every destination but Archive
    {"Webhooks": {"someOption": 1}}           an object enables the destination with options

A key naming the destination (its display name, case-sensitive) decides; otherwise
`All` does; otherwise the event goes everywhere. Only the value `false` disables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def wants(integrations: Mapping[str, Any] | None, display_name: str) -> bool:
    """Should an event with this `integrations` object reach `display_name`?"""
    if not integrations:
        return True
    if display_name in integrations:
        return integrations[display_name] is not False
    return integrations.get("All") is not False
