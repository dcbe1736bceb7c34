"""Sync status of a warehouse: what the admin API and the TUI show.

The counts are the warehouse's own bookkeeping (the state schema, written in the
same transaction as the rows, so they never disagree with the data); the last error
is kept by the running destination, since an unreachable warehouse cannot record it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TableStatus:
    schema: str
    table: str
    #: Rows inserted into the table (merged, for users) since it was created.
    rows_loaded: int
    last_loaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class WarehouseState:
    """The bookkeeping kept in the warehouse."""

    last_sync_at: datetime | None = None
    last_sync_events: int = 0
    last_sync_rows: int = 0
    syncs: int = 0
    events_loaded: int = 0
    tables: tuple[TableStatus, ...] = ()

    @property
    def discards(self) -> int:
        """Values sent to the `discards` tables, over all schemas."""
        return sum(t.rows_loaded for t in self.tables if t.table == "discards")


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The sync status of one warehouse destination."""

    #: Where the warehouse is ("duckdb /var/lib/segd/warehouse.duckdb",
    #: "postgres db.example:5432/analytics"); never a password.
    warehouse: str
    state: WarehouseState = field(default_factory=WarehouseState)
    #: The most recent failed load's error and when; a later last_sync_at means
    #: loading has recovered since.
    last_error: str | None = None
    last_error_at: datetime | None = None

    @property
    def last_sync_at(self) -> datetime | None:
        return self.state.last_sync_at

    @property
    def discards(self) -> int:
        return self.state.discards

    def rows_by_table(self) -> dict[str, int]:
        """Rows loaded per table, keyed `schema.table`."""
        return {f"{t.schema}.{t.table}": t.rows_loaded for t in self.state.tables}
