"""Destination operations shared by the CLI and the Admin API: one copy of each.

Destinations are named by id (the CLI looks ids up by name and slug first with
`destination_id` and `source_ids`). Every change takes the `actor` making it and is
written to the audit log in the same transaction, secrets masked.

- `_config`: the catalog; create, read, rename, settings, sources, enable, delete;
- `_settings`: checking settings against the plugin's model, masking, merging;
- `_filters`: destination filters, checked (FQL parsed) before they are saved;
- `_delivery`: delivery status, dead letters and replaying them.

Bad input raises `InvalidFields` naming each field at fault ("settings.urls[0]",
"spec.condition" with the position of an FQL error), so a form can show it in place.
"""

from segd.destinations_core._config import (
    MAX_NAME_CHARS,
    DestinationInfo,
    PluginInfo,
    catalog,
    connect_sources,
    create_destination,
    delete_destination,
    destination_id,
    destination_row,
    disconnect_sources,
    get_destination,
    is_warehouse_type,
    list_destinations,
    set_enabled,
    source_ids,
    sources_and_type,
    update_destination,
)
from segd.destinations_core._delivery import (
    LATENCY_WINDOW_MINUTES,
    DeliveryStatus,
    delivery_status,
    list_dead_letters,
    replay_dead_letters,
)
from segd.destinations_core._filters import (
    add_filter,
    list_filters,
    remove_filter,
    update_filter,
)
from segd.destinations_core._settings import (
    MASK,
    merge_settings,
    public_settings,
    validate_settings,
)

__all__ = [
    "LATENCY_WINDOW_MINUTES",
    "MASK",
    "MAX_NAME_CHARS",
    "DeliveryStatus",
    "DestinationInfo",
    "PluginInfo",
    "add_filter",
    "catalog",
    "connect_sources",
    "create_destination",
    "delete_destination",
    "delivery_status",
    "destination_id",
    "destination_row",
    "disconnect_sources",
    "get_destination",
    "is_warehouse_type",
    "list_dead_letters",
    "list_destinations",
    "list_filters",
    "merge_settings",
    "public_settings",
    "remove_filter",
    "replay_dead_letters",
    "set_enabled",
    "source_ids",
    "sources_and_type",
    "update_destination",
    "update_filter",
    "validate_settings",
]
