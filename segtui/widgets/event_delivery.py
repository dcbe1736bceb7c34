"""A destination's Event delivery: counts and latency, recent errors and dead letters,
each error or letter opening on its request and response. The page says when to
`reload` it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from segtui.errors import ClientError
from segtui.models import DeadLetter, DeliveryStatus
from segtui.screens.destination_dialogs import FailureScreen

if TYPE_CHECKING:
    from segtui.app import SegtuiApp


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%m-%d %H:%M:%S") if moment is not None else ""


def milliseconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def delivery_summary(status: DeliveryStatus) -> str:
    """The counts and latency line above the tables."""
    return (
        f"Delivered {status.delivered:,}   Filtered {status.filtered:,}   "
        f"Retrying {status.retrying:,}   Dead {status.dead:,}\n"
        f"Latency p50 {milliseconds(status.latency_p50_ms)}   "
        f"p95 {milliseconds(status.latency_p95_ms)}"
        f"   (last {status.latency_window_minutes} minutes)"
    )


class EventDelivery(VerticalScroll):
    """The delivery status of one destination, fetched by `reload`."""

    def __init__(self, destination_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.destination_id = destination_id
        self.errors_shown: list[tuple[str, list[tuple[str, str]]]] = []
        self.dead: list[DeadLetter] = []

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="delivery-summary")
        yield Static("Recent errors (enter: request and response)", classes="table-title")
        errors: DataTable[str] = DataTable(id="errors-table", cursor_type="row")
        errors.add_columns("Time", "Kind", "messageId", "Error")
        yield errors
        yield Static("Dead letters (R: replay them all)", classes="table-title")
        dead: DataTable[str] = DataTable(id="dead-table", cursor_type="row")
        dead.add_columns("Failed", "messageId", "Attempts", "Error")
        yield dead

    @work(group="delivery", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        client = self.seg.client
        try:
            status, dead = await asyncio.gather(
                client.delivery_status(self.destination_id, errors=10),
                client.dead_letters(self.destination_id, limit=50),
            )
        except ClientError as exc:
            self.seg.report(exc, "Event delivery")
            return
        self.show(status, dead)

    def show(self, status: DeliveryStatus, dead: list[DeadLetter]) -> None:
        self.query_one("#delivery-summary", Static).update(delivery_summary(status))
        errors = self.query_one("#errors-table", DataTable)
        row = errors.cursor_row
        errors.clear()
        self.errors_shown = []
        for error in status.recent_errors:
            kind = "retrying" if error.retryable else "permanent"
            errors.add_row(when(error.time), kind, error.message_id, error.error)
            self.errors_shown.append(
                (
                    f"{kind} failure of {error.message_id} at {when(error.time)}: {error.error}",
                    [("Request", error.request_sample), ("Response", error.response_sample)],
                )
            )
        if status.recent_errors:
            errors.move_cursor(row=min(row, len(status.recent_errors) - 1))
        table = self.query_one("#dead-table", DataTable)
        table.clear()
        self.dead = dead
        for letter in dead:
            table.add_row(
                when(letter.failed_at), letter.message_id, str(letter.attempts), letter.error
            )

    @work(group="replay", exclusive=True, exit_on_error=False)
    async def replay(self) -> None:
        """Send every dead letter again, then show the status anew."""
        try:
            count = await self.seg.client.replay_dead_letters(self.destination_id)
        except ClientError as exc:
            self.seg.report(exc, "Replay")
            return
        self.notify(f"{count:,} dead letters sent again.")
        self.reload()

    @on(DataTable.RowSelected, "#errors-table")
    def _error_detail(self, selected: DataTable.RowSelected) -> None:
        if 0 <= selected.cursor_row < len(self.errors_shown):
            title, sections = self.errors_shown[selected.cursor_row]
            self.app.push_screen(FailureScreen(title, sections))

    @on(DataTable.RowSelected, "#dead-table")
    def _dead_detail(self, selected: DataTable.RowSelected) -> None:
        if 0 <= selected.cursor_row < len(self.dead):
            letter = self.dead[selected.cursor_row]
            title = f"Dead letter {letter.message_id}: {letter.error}"
            sections = [
                ("Request", letter.request_sample),
                ("Response", letter.response_sample),
                ("Event", letter.body_json),
            ]
            self.app.push_screen(FailureScreen(title, sections))
