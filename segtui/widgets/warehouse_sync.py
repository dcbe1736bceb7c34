"""A warehouse destination's sync status: the last sync, totals, the last error and
the rows loaded into each table. The page says when to `reload` it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from segtui.errors import ClientError
from segtui.models import WarehouseStatus

if TYPE_CHECKING:
    from segtui.app import SegtuiApp


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "never"


def sync_summary(status: WarehouseStatus) -> str:
    """The lines above the table: when it last synced, what it has loaded, where."""
    if status.last_sync_at is None:
        last = "Last sync never"
    else:
        last = (
            f"Last sync {_when(status.last_sync_at)}   "
            f"({status.last_sync_events:,} events, {status.last_sync_rows:,} rows)"
        )
    return (
        f"{last}\n"
        f"Syncs {status.syncs:,}   Events loaded {status.events_loaded:,}   "
        f"Discarded {status.discarded:,}\n"
        f"Warehouse {status.warehouse}"
    )


def error_line(status: WarehouseStatus) -> str:
    """The last error and when, or "" when there is none to show."""
    if status.last_error is None:
        return ""
    line = f"Last error {_when(status.last_error_at)}: {status.last_error}"
    synced, failed = status.last_sync_at, status.last_error_at
    if synced is not None and failed is not None and synced > failed:
        line += "\n(loads have succeeded since)"
    return line


class WarehouseSync(VerticalScroll):
    """The sync status of one warehouse destination, fetched by `reload`."""

    def __init__(self, destination_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.destination_id = destination_id

    @work(group="warehouse", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        app = cast("SegtuiApp", self.app)
        try:
            status = await app.client.warehouse_status(self.destination_id)
        except ClientError as exc:
            app.report(exc, "Warehouse sync")
            return
        self.show(status)

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="warehouse-summary", markup=False)
        yield Static("", id="warehouse-error", markup=False)
        yield Static("Rows loaded per table", classes="table-title")
        tables: DataTable[str] = DataTable(id="warehouse-tables", cursor_type="row")
        tables.add_columns("Table", "Rows", "Last loaded")
        yield tables

    def show(self, status: WarehouseStatus) -> None:
        self.query_one("#warehouse-summary", Static).update(sync_summary(status))
        error = self.query_one("#warehouse-error", Static)
        error.update(error_line(status))
        error.display = status.last_error is not None
        table = self.query_one("#warehouse-tables", DataTable)
        row = table.cursor_row
        table.clear()
        for item in status.tables:
            table.add_row(
                f"{item.schema}.{item.table}", f"{item.rows_loaded:,}", _when(item.last_loaded_at)
            )
        if status.tables:
            table.move_cursor(row=min(row, len(status.tables) - 1))
