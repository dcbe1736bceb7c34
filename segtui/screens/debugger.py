"""The live debugger of a source, and the event detail with its Pretty and Raw views.

A worker reads the TailEvents stream into an EventFeed (O(1) per event); a timer
flushes the feed into the list a few times a second, so the UI redraws at most that
often however fast events come. When segd goes away the worker waits for the app to
reconnect and subscribes again; events it already has are not listed twice.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TabbedContent, TabPane

from segtui import pretty
from segtui.errors import ClientError, Disconnected
from segtui.feed import EventFeed
from segtui.models import DebugEvent
from segtui.widgets.event_list import EventList, header_text, local_time

if TYPE_CHECKING:
    from segtui.app import SegtuiApp

EVENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")
#: How often the list redraws while events stream in.
FLUSH_SECONDS = 0.2
#: Stream items taken between two chances for the UI to run.
YIELD_EVERY = 100
#: Events asked for when (re)subscribing, so the list is never empty for long.
RECENT = 200


class DebuggerPane(Vertical):
    """Live events of one source: pause, filter by type or text, search stored events."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause/resume"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("S", "search", "Search stored"),
        Binding("c", "clear", "Clear"),
        Binding("escape", "live", "Back to live", show=False),
    ]

    def __init__(self, source_id: int, capacity: int = 2000) -> None:
        super().__init__(id="debugger")
        self.source_id = source_id
        self.live = EventFeed(capacity)
        self.types: tuple[str, ...] = ()
        self.search_note = ""

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Horizontal(id="debugger-bar"):
            yield Select(
                [(t, t) for t in EVENT_TYPES],
                prompt="all types",
                id="type-filter",
                compact=True,
            )
            yield Input(placeholder="/ filter", id="text-filter", compact=True)
            yield Static("", id="feed-status")
        yield Static(header_text(), id="events-header", classes="table-header")
        yield EventList(self.live, id="events")

    def on_resize(self) -> None:
        width = self.events.scrollable_content_region.width or self.size.width
        self.query_one("#events-header", Static).update(header_text(width))

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self.flush)
        self.tail()

    @property
    def events(self) -> EventList:
        return self.query_one("#events", EventList)

    def flush(self) -> None:
        feed = self.events.feed
        added = feed.flush()
        if added:
            self.events.update_rows(added)
        status = self.search_note or feed.status()
        self.query_one("#feed-status", Static).update(status)

    @work(exclusive=True, group="tail", exit_on_error=False)
    async def tail(self) -> None:
        """Follow the stream for as long as the pane lives, through daemon restarts."""
        taken = 0
        while True:
            await self.seg.wait_connected()
            try:
                stream = self.seg.client.tail_events(self.source_id, RECENT, self.types)
                async for item in stream:
                    self.live.push(item)
                    taken += 1
                    if taken % YIELD_EVERY == 0:
                        # Reading what gRPC has buffered need not suspend: let keys in.
                        await asyncio.sleep(0)
            except Disconnected:
                # The app's heartbeat notices too; wait for it, and never spin.
                await asyncio.sleep(0.25)
                continue
            except ClientError as exc:
                self.seg.report(exc, "Debugger")
                return

    # --- Controls -------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.live.paused = not self.live.paused
        self.flush()

    def action_focus_filter(self) -> None:
        self.query_one("#text-filter", Input).focus()

    def action_clear(self) -> None:
        self.events.feed.clear()
        self.events.update_rows()
        self.flush()

    @on(Input.Changed, "#text-filter")
    def _filter(self, changed: Input.Changed) -> None:
        self.events.feed.filter = changed.value
        self.events.cursor = 0
        self.events.update_rows()
        self.flush()

    @on(Input.Submitted, "#text-filter")
    def _filter_done(self) -> None:
        self.events.focus()

    @on(Select.Changed, "#type-filter")
    def _types(self, changed: Select.Changed) -> None:
        value = changed.value
        self.types = (str(value),) if isinstance(value, str) else ()
        # The server filters by type, so a flood of other types does not crowd the list.
        self.live.clear()
        self.events.update_rows()
        self.tail()

    def action_search(self) -> None:
        self.app.push_screen(SearchPrompt(), self._search)

    def _search(self, query: str | None) -> None:
        if query:
            self.search(query)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def search(self, query: str) -> None:
        try:
            result = await self.seg.client.search_events(self.source_id, query)
        except ClientError as exc:
            self.seg.report(exc, "Search")
            return
        found = EventFeed(max(len(result.events), 1))
        for event in reversed(result.events):
            found.push(event)
        found.flush()
        self.search_note = (
            f"search “{query}”: {len(result.events)} found in {result.scanned:,} stored"
            " · escape: live"
        )
        self.events.feed = found
        self.events.cursor = 0
        self.events.update_rows()
        self.flush()
        self.events.focus()

    def action_live(self) -> None:
        if self.events.feed is not self.live:
            self.events.feed = self.live
            self.search_note = ""
            self.events.cursor = 0
            self.events.update_rows()
            self.flush()

    @on(EventList.Opened)
    def _open(self, opened: EventList.Opened) -> None:
        self.app.push_screen(EventDetailScreen(opened.event, self.events.events))


class SearchPrompt(ModalScreen[str | None]):
    """Ask for a messageId, userId or text to search the stored events for."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Search stored events", classes="dialog-title")
            yield Input(placeholder="messageId, userId or text", id="search-query")
            yield Static("enter to search, escape to cancel", classes="dialog-hint")

    @on(Input.Submitted)
    def _submit(self, submitted: Input.Submitted) -> None:
        self.dismiss(submitted.value.strip() or None)


def summary_line(event: DebugEvent) -> str:
    parts = [event.type, event.name, event.status, local_time(event.received_at)]
    if event.from_log:
        parts.append("read from the log")
    return " · ".join(p for p in parts if p) + f"\nmessageId {event.message_id}"


class EventDetailScreen(ModalScreen[None]):
    """One event: Pretty (the call as made) or Raw (the complete JSON); v toggles."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("v", "toggle_view", "Pretty/Raw"),
        Binding("a", "toggle_received", "Raw: stored/as received"),
        Binding("n", "step(1)", "Next (older)"),
        Binding("p", "step(-1)", "Previous (newer)"),
    ]

    def __init__(self, event: DebugEvent, neighbours: list[DebugEvent] | None = None) -> None:
        super().__init__()
        self.event = event
        self.as_received = False
        # A copy: the live list moves on underneath while this is open.
        self.neighbours = list(neighbours) if neighbours else [event]

    def compose(self) -> ComposeResult:
        with Vertical(id="event-detail"):
            yield Static("", id="event-summary", markup=False)
            with TabbedContent(initial="pretty", id="event-views"):
                with TabPane("Pretty", id="pretty"), VerticalScroll():
                    yield Static("", id="pretty-view")
                with TabPane("Raw", id="raw"), VerticalScroll():
                    yield Static("", id="raw-label", classes="note")
                    yield Static("", id="raw-view")
            yield Static(
                "v Pretty/Raw · a stored/as received · n/p next/previous · escape close",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        self.query_one("#event-summary", Static).update(summary_line(self.event))
        code = highlight(pretty.pretty(self.event), language="javascript")
        self.query_one("#pretty-view", Static).update(code)
        self._show_raw()

    def action_step(self, delta: int) -> None:
        index = next((i for i, e in enumerate(self.neighbours) if e is self.event), 0) + delta
        if 0 <= index < len(self.neighbours):
            self.event = self.neighbours[index]
            self._show()

    def _show_raw(self) -> None:
        text = pretty.raw(self.event, self.as_received)
        self.query_one("#raw-view", Static).update(highlight(text, language="json"))
        label = "as received, before normalisation" if self.as_received else "as stored"
        self.query_one("#raw-label", Static).update(label)

    def action_toggle_view(self) -> None:
        tabs = self.query_one("#event-views", TabbedContent)
        tabs.active = "raw" if tabs.active == "pretty" else "pretty"

    def action_toggle_received(self) -> None:
        self.as_received = not self.as_received
        self._show_raw()
        self.query_one("#event-views", TabbedContent).active = "raw"
