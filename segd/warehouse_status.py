"""Warehouse sync status for the CLI and the Admin API: one copy of it.

The counts are the warehouse's own bookkeeping, which any process can read; the last
error is the warehouse's own when it cannot be read now, else the newest delivery
error the router recorded for the destination.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pydantic

from segd.destinations.base import Destination
from segd.destinations.warehouse import Warehouse, WarehouseSettings, read_sync_status
from segd.destinations_core import destination_row
from segd.errors import InvalidRequest, NotFound
from segd.store import DestinationRow, Store
from segd.warehouse import SyncStatus

#: The daemon holds a DuckDB file only while it loads: try a few times around a load.
READ_ATTEMPTS = 5
READ_PAUSE_SECONDS = 0.2


async def warehouse_status(store: Store, name: str, data_dir: Path) -> SyncStatus:
    """Last sync time, rows loaded per table, discards and the last error of the
    warehouse destination called `name` (the CLI names destinations so).

    Raises:
        NotFound: no destination is called `name`.
        InvalidRequest: the destination is not a warehouse.
    """
    row = await store.destinations.by_name(name)
    if row is None:
        raise NotFound(f"no destination named {name!r}")
    return await _status_of(store, row, data_dir)


async def warehouse_status_by_id(
    store: Store, destination_id: int, data_dir: Path, running: Destination | None = None
) -> SyncStatus:
    """`warehouse_status` of the destination with this id (the Admin API names it so).

    `running` is the destination's plugin in this process, if the router runs it: its
    own status is read then, never the warehouse behind its back (a DuckDB file open
    for reading here would make the plugin's next load fail).

    Raises:
        NotFound: no destination has this id.
        InvalidRequest: the destination is not a warehouse.
    """
    row = await destination_row(store, destination_id)
    return await _status_of(store, row, data_dir, running)


async def _status_of(
    store: Store, row: DestinationRow, data_dir: Path, running: Destination | None = None
) -> SyncStatus:
    if row.type != Warehouse.name:
        raise InvalidRequest(
            f"destination {row.name!r} is a {row.type} destination, not a warehouse"
        )
    try:
        settings = WarehouseSettings.model_validate(row.settings)
    except pydantic.ValidationError as exc:
        raise InvalidRequest(f"destination {row.name!r} has invalid settings: {exc}") from exc
    if isinstance(running, Warehouse):
        status = await running.sync_status()
    else:
        status = await _read_around_loads(settings, data_dir)
    if status.last_error is None:
        errors = await store.delivery.last_errors(row.id, 1)
        if errors:
            at = datetime.fromtimestamp(errors[0].at_ms / 1000, UTC)
            status = replace(status, last_error=errors[0].error, last_error_at=at)
    return status


async def _read_around_loads(settings: WarehouseSettings, data_dir: Path) -> SyncStatus:
    """The status read from the warehouse itself, retried while another process (a
    daemon loading it) holds a DuckDB file."""
    status = await read_sync_status(settings, data_dir)
    for _ in range(READ_ATTEMPTS - 1):
        if status.last_error is None:
            break
        await asyncio.sleep(READ_PAUSE_SECONDS)
        status = await read_sync_status(settings, data_dir)
    return status
