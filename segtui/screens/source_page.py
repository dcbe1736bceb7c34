"""A source's page: Overview, Debugger, Schema and Settings tabs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    Select,
    Static,
    Switch,
    TabbedContent,
    TabPane,
    Tree,
)

from segtui.errors import ClientError
from segtui.models import Schema, SchemaEvent, Source, SourceType, WriteKeys
from segtui.screens.debugger import DebuggerPane
from segtui.screens.dialogs import ConfirmScreen
from segtui.widgets.app_bar import AppBar

if TYPE_CHECKING:
    from segtui.app import SegtuiApp

GRACE_CHOICES = (
    ("old key stops now", 0),
    ("old key works 1 hour", 3600),
    ("old key works 24 hours", 86_400),
    ("old key works 7 days", 7 * 86_400),
)


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else "never"


def short_when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%m-%d %H:%M") if moment is not None else "never"


def schema_event_label(event: SchemaEvent) -> str:
    """One schema row: type, name, counts today / 7 days / all time, last seen."""
    name = event.name or "—"
    return (
        f"{event.type:<9}{name:<24.23} {event.count_today:>7,} {event.count_7_days:>8,}"
        f" {event.count_all_time:>9,}  {short_when(event.last_seen)}"
    )


def _pane_id(tab: str) -> str:
    # The debugger's pane is not "debugger": that id belongs to the DebuggerPane inside.
    return "debugger-tab" if tab == "debugger" else tab


SCHEMA_HEADER = f"  {'type':<9}{'event':<24} {'today':>7} {'7 days':>8} {'all time':>9}  last seen"


class SourcePageScreen(Screen[None]):
    """Everything about one source."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("o", "tab('overview')", "Overview", show=False),
        Binding("d", "tab('debugger')", "Debugger", show=False),
        Binding("h", "tab('schema')", "Schema", show=False),
        Binding("t", "tab('settings')", "Settings", show=False),
    ]

    def __init__(self, source: Source, source_type: SourceType | None, tab: str = "overview"):
        super().__init__()
        self.source = source
        self.source_type = source_type
        self.initial_tab = _pane_id(tab)
        self.write_keys: WriteKeys | None = None

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    @property
    def is_admin(self) -> bool:
        return self.seg.permissions.can_admin_source(self.source.id)

    def compose(self) -> ComposeResult:
        yield AppBar(f"Sources / {self.source.name}")
        with TabbedContent(initial=self.initial_tab, id="source-tabs"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static("", id="overview-facts", markup=False)
                yield Static("", id="overview-key", classes="secret", markup=False)
            with TabPane("Debugger", id="debugger-tab"):
                yield DebuggerPane(self.source.id)
            with TabPane("Schema", id="schema"):
                yield Static(SCHEMA_HEADER, id="schema-header", classes="table-header")
                yield Tree("schema", id="schema-tree")
                yield Static("", id="schema-note", classes="note")
            with TabPane("Settings", id="settings"), VerticalScroll():
                yield Static("", id="settings-note", classes="note")
                yield Label("Name")
                with Horizontal(classes="field-row"):
                    yield Input(self.source.name, id="rename-input")
                    yield Button("Rename", id="rename")
                with Horizontal(classes="field-row"):
                    yield Switch(self.source.enabled, id="enabled")
                    yield Label(
                        "Enabled: a disabled source's write key is refused", id="enabled-label"
                    )
                with Horizontal(classes="field-row"):
                    yield Select(GRACE_CHOICES, value=86_400, allow_blank=False, id="grace")
                    yield Button("Rotate write key", id="rotate")
                with Vertical(classes="danger"):
                    yield Button("Delete source", id="delete", variant="error")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one("#schema-tree", Tree)
        tree.show_root = False
        self.watch(self.seg, "connection", self._connection, init=True)
        focus = {"debugger-tab": "#events", "schema": "#schema-tree"}.get(self.initial_tab)
        if focus:
            self.query_one(focus).focus()

    def _connection(self, state: str) -> None:
        if state == "connected":
            self.load()

    def action_back(self) -> None:
        self.dismiss()

    @on(TabbedContent.TabActivated, "#source-tabs")
    def _tab_activated(self, activated: TabbedContent.TabActivated) -> None:
        # Keys act on what is shown: the event list in the debugger, the tree in Schema.
        focus = {"debugger-tab": "#events", "schema": "#schema-tree"}.get(activated.pane.id or "")
        if focus:
            self.query_one(focus).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one("#source-tabs", TabbedContent).active = _pane_id(tab)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load(self) -> None:
        client = self.seg.client
        try:
            self.source = await client.get_source(self.source.id)
            schema = await client.schema(self.source.id)
            self.write_keys = await client.write_keys(self.source.id) if self.is_admin else None
        except ClientError as exc:
            self.seg.report(exc, "Source")
            return
        self.show_overview(schema)
        self.show_schema(schema)
        self.show_settings()

    def show_overview(self, schema: Schema) -> None:
        kind = self.source_type.title if self.source_type else self.source.type
        facts = [
            f"Name      {self.source.name}",
            f"Slug      {self.source.slug}",
            f"Type      {kind}",
            f"Status    {self.source.status}",
            f"Created   {when(self.source.created_at)}",
            f"Events    {schema.volume_today:,} today · {schema.volume_7_days:,} in 7 days",
        ]
        self.query_one("#overview-facts", Static).update("\n".join(facts))
        key = self.query_one("#overview-key", Static)
        if self.write_keys is None:
            key.update("Write key: hidden (seeing it needs Source Admin for this source)")
            return
        lines = [f"Write key: {self.write_keys.write_key}"]
        lines += [
            f"  retired {r.write_key} works until {when(r.expires_at)}"
            for r in self.write_keys.retired
        ]
        if self.source_type is not None and self.source_type.setup_snippet:
            lines += ["", f"Setup ({self.source_type.title}):", ""]
            lines.append(self.source_type.snippet_for(self.write_keys.write_key))
        key.update("\n".join(lines))

    def show_schema(self, schema: Schema) -> None:
        tree = self.query_one("#schema-tree", Tree)
        tree.clear()
        for event in schema.events:
            node = tree.root.add(schema_event_label(event), expand=False)
            for prop in event.properties:
                node.add_leaf(f"{prop.key}  {' | '.join(prop.types)}  ({prop.count:,})")
            if event.properties_limit_reached:
                node.add_leaf("… more than 300 keys seen; later ones are not recorded")
        notes = []
        if not schema.events:
            notes.append("No events yet.")
        if schema.events_limit_reached:
            notes.append("More than 4,000 event names seen; later ones are not recorded.")
        notes.append("enter: expand an event to its properties")
        if schema.events and tree.cursor_line < 0:
            tree.cursor_line = 0
        self.query_one("#schema-note", Static).update(" ".join(notes))

    def show_settings(self) -> None:
        admin = self.is_admin
        for widget_id in ("#rename-input", "#rename", "#enabled", "#grace", "#rotate", "#delete"):
            self.query_one(widget_id).disabled = not admin
        note = "" if admin else "Read-only: changing this source needs Source Admin for it."
        self.query_one("#settings-note", Static).update(note)
        switch = self.query_one("#enabled", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = self.source.enabled

    # --- Settings actions -------------------------------------------------------------

    @on(Button.Pressed, "#rename")
    @on(Input.Submitted, "#rename-input")
    def _rename(self) -> None:
        name = self.query_one("#rename-input", Input).value.strip()
        if name and name != self.source.name:
            self.change("rename", name)

    @on(Switch.Changed, "#enabled")
    def _enabled(self, changed: Switch.Changed) -> None:
        if changed.value != self.source.enabled:
            self.change("enable", changed.value)

    @on(Button.Pressed, "#rotate")
    def _rotate(self) -> None:
        grace = self.query_one("#grace", Select).value
        self.change("rotate", grace if isinstance(grace, int) else 0)

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        question = (
            f"Delete the source “{self.source.name}”?\n\nIts write key stops working at once;"
            " stored events stay until retention removes them."
        )
        self.app.push_screen(ConfirmScreen(question), self._delete_confirmed)

    def _delete_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.change("delete", None)

    @work(exclusive=True, group="change", exit_on_error=False)
    async def change(self, what: str, value: object) -> None:
        client = self.seg.client
        try:
            if what == "rename":
                self.source = await client.rename_source(self.source.id, str(value))
                self.notify(f"Renamed to “{self.source.name}”.")
            elif what == "enable":
                self.source = await client.set_source_enabled(self.source.id, bool(value))
                self.notify(f"Source {self.source.status}.")
            elif what == "rotate":
                self.write_keys = await client.rotate_write_key(self.source.id, int(str(value)))
                self.notify(f"New write key: {self.write_keys.write_key}")
            elif what == "delete":
                await client.delete_source(self.source.id)
                self.notify(f"Deleted “{self.source.name}”.")
                self.dismiss()
                return
        except ClientError as exc:
            self.seg.report(exc, "Source settings")
            self.show_settings()
            return
        self.load()
