"""The debugger's event list: draws only the rows on screen, whatever the list holds.

A DataTable keeps per-row state and reindexes on removal, which falls behind a feed of
thousands of events a second; this widget reads rows straight from the EventFeed's
view (Textual's line API), so a refresh costs the visible rows and nothing more.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from segtui.feed import EventFeed
from segtui.models import DebugEvent

_TYPE_WIDTH, _TIME_WIDTH, _USER_WIDTH = 9, 9, 18


def local_time(moment: datetime | None) -> str:
    """HH:MM:SS in the local time zone (the debugger shows today's events)."""
    return moment.astimezone().strftime("%H:%M:%S") if moment is not None else "--:--:--"


def row_text(event: DebugEvent, width: int) -> str:
    """One list row: type, name, user, time, fitted to `width` cells."""
    name_width = max(width - _TYPE_WIDTH - _USER_WIDTH - _TIME_WIDTH, 8)
    name = event.name or "—"
    if event.status != "accepted":
        name = f"{name} ({event.status})"
    user = event.user or "—"
    return (
        f"{event.type:<{_TYPE_WIDTH}.{_TYPE_WIDTH - 1}}"
        f"{name:<{name_width}.{name_width - 1}}"
        f"{user:<{_USER_WIDTH}.{_USER_WIDTH - 1}}"
        f"{local_time(event.received_at):>{_TIME_WIDTH}}"
    )[:width]


def header_text(width: int = 80) -> str:
    name_width = max(width - _TYPE_WIDTH - _USER_WIDTH - _TIME_WIDTH, 8)
    return (
        f"{'type':<{_TYPE_WIDTH}}{'event':<{name_width}}"
        f"{'user':<{_USER_WIDTH}}{'received':>{_TIME_WIDTH}}"
    )


class EventList(ScrollView, can_focus=True):
    """A newest-first list of debugger events with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("home", "first", "Newest", show=False),
        Binding("end", "last", "Oldest", show=False),
        Binding("enter", "open", "Open", show=True),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-list--cursor",
        "event-list--rejected",
        "event-list--duplicate",
    }

    cursor: reactive[int] = reactive(0)

    class Opened(Message):
        """The user chose an event (Enter or a click)."""

        def __init__(self, event: DebugEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(self, feed: EventFeed, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.feed = feed

    @property
    def events(self) -> list[DebugEvent]:
        return self.feed.view

    @property
    def selected(self) -> DebugEvent | None:
        view = self.events
        return view[self.cursor] if 0 <= self.cursor < len(view) else None

    def update_rows(self, added: int = 0) -> None:
        """Redraw after the feed changed; `added` new rows at the top keep the cursor put."""
        count = len(self.events)
        self.virtual_size = Size(self.size.width, count)
        if added and self.cursor > 0:
            # Someone is reading an older event: keep it under the cursor.
            self.set_reactive(EventList.cursor, min(self.cursor + added, count - 1))
            self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)
        if self.cursor >= count:
            self.set_reactive(EventList.cursor, max(count - 1, 0))
        self.refresh()

    def watch_cursor(self, cursor: int) -> None:
        top, height = int(self.scroll_y), self.scrollable_content_region.height
        if cursor < top:
            self.scroll_to(y=cursor, animate=False)
        elif height and cursor >= top + height:
            self.scroll_to(y=cursor - height + 1, animate=False)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        if self.events:
            self.cursor = max(0, min(self.cursor + delta, len(self.events) - 1))

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(len(self.events) - 1, 0)

    def action_open(self) -> None:
        if (event := self.selected) is not None:
            self.post_message(self.Opened(event))

    def on_click(self, click: Click) -> None:
        row = int(self.scroll_y) + click.y
        if 0 <= row < len(self.events):
            self.cursor = row
            if click.chain >= 2:
                self.action_open()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        view = self.events
        base = self.rich_style
        if row >= len(view):
            return Strip.blank(width, base)
        event = view[row]
        style = base
        if event.status == "rejected":
            style += self.get_component_rich_style("event-list--rejected", partial=True)
        elif event.status == "duplicate":
            style += self.get_component_rich_style("event-list--duplicate", partial=True)
        if row == self.cursor:
            style += self.get_component_rich_style("event-list--cursor")
        text = set_cell_size(row_text(event, width), width)
        return Strip([Segment(text, style)], width)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.events))
