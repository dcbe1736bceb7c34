"""Segment's warehouse layout, and loading it into DuckDB or PostgreSQL.

    naming   snake_case names as Segment spells them, reserved tables
    types    column kinds: inferred from the first value, what fits each
    layout   the rows one event becomes (flattening, fixed columns)
    plan     a batch as rows per table, new columns and discards (pure)
    backend  the connection-specific part: DuckDB or PostgreSQL
    loader   one transaction per batch: create, evolve, insert, bookkeeping
    worker   the child process loads run in, away from the daemon's GIL
    status   the sync status the admin API serves

The destination plugin that the router drives is segd.destinations.warehouse.
"""

from segd.warehouse.backend import Backend, WarehouseError, WarehouseUnavailable
from segd.warehouse.loader import LoadReport, load, read_state
from segd.warehouse.plan import LoadPlan, TableRef, plan_load
from segd.warehouse.status import SyncStatus, TableStatus, WarehouseState
from segd.warehouse.types import Kind

__all__ = [
    "Backend",
    "Kind",
    "LoadPlan",
    "LoadReport",
    "SyncStatus",
    "TableRef",
    "TableStatus",
    "WarehouseError",
    "WarehouseState",
    "WarehouseUnavailable",
    "load",
    "plan_load",
    "read_state",
]
