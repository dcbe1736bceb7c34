"""A destination's page: Event delivery, Settings and Filters tabs, and for a warehouse
its sync status."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    SelectionList,
    Static,
    Switch,
    TabbedContent,
    TabPane,
)
from textual.widgets.selection_list import Selection

from segtui.errors import ClientError, Rejected
from segtui.models import (
    WAREHOUSE_CATEGORY,
    Destination,
    DestinationFilter,
    DestinationType,
    Source,
)
from segtui.problems import settings_errors
from segtui.screens.destination_dialogs import FilterScreen
from segtui.screens.dialogs import ConfirmScreen
from segtui.widgets.app_bar import AppBar
from segtui.widgets.event_delivery import EventDelivery
from segtui.widgets.field_error import FieldError
from segtui.widgets.settings_form import SettingsForm
from segtui.widgets.warehouse_sync import WarehouseSync

if TYPE_CHECKING:
    from segtui.app import SegtuiApp
    from segtui.client import AdminClient

    Change = Callable[[AdminClient], Awaitable[object]]

#: The Settings tab's controls, disabled for those who may only look.
_ADMIN_CONTROLS = (
    "#destination-rename",
    "#rename",
    "#destination-enabled",
    "#destination-sources",
    "#save-sources",
    "#save-settings",
    "#delete",
)
#: How often the Event delivery tab refreshes while it is shown.
DELIVERY_REFRESH_SECONDS = 2.0
#: How often the Warehouse sync tab refreshes while it is shown: less often, since a
#: warehouse syncs about once a minute (and, for a warehouse segd is not delivering to
#: now, each read opens the warehouse itself).
WAREHOUSE_REFRESH_SECONDS = 5.0
#: The destination type whose page has a Warehouse sync tab.
WAREHOUSE_TYPE = "warehouse"


class DestinationPageScreen(Screen[None]):
    """Everything about one destination."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("l", "tab('delivery')", "Event delivery", show=False),
        Binding("w", "tab('warehouse')", "Warehouse sync", show=False),
        Binding("t", "tab('settings')", "Settings", show=False),
        Binding("f", "tab('filters')", "Filters", show=False),
        Binding("R", "replay", "Replay dead letters"),
        Binding("a", "add_filter", "Add filter", show=False),
        Binding("e", "edit_filter", "Edit filter", show=False),
        Binding("x", "delete_filter", "Delete filter", show=False),
    ]

    def __init__(self, destination: Destination, tab: str = "delivery") -> None:
        super().__init__()
        self.destination = destination
        self.initial_tab = tab
        self.kind: DestinationType | None = None
        self.sources: list[Source] = []
        self.filters: list[DestinationFilter] = []

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    @property
    def is_warehouse(self) -> bool:
        return self.destination.type == WAREHOUSE_TYPE

    @property
    def in_warehouse_category(self) -> bool:
        """Whether its plugin is in the Warehouse category, which the warehouse roles
        cover (known once the catalog is loaded)."""
        return self.kind is not None and self.kind.category == WAREHOUSE_CATEGORY

    @property
    def is_admin(self) -> bool:
        return self.seg.permissions.can_admin_destination(
            self.destination.source_ids, self.in_warehouse_category
        )

    def compose(self) -> ComposeResult:
        yield AppBar(f"Destinations / {self.destination.name}")
        with TabbedContent(initial=self.initial_tab, id="destination-tabs"):
            with TabPane("Event delivery", id="delivery"):
                yield EventDelivery(self.destination.id, id="event-delivery")
            if self.is_warehouse:
                with TabPane("Warehouse sync", id="warehouse"):
                    yield WarehouseSync(self.destination.id, id="warehouse-sync")
            with TabPane("Settings", id="settings"), VerticalScroll():
                yield Static("", id="destination-note", classes="note")
                yield Label("Name")
                with Horizontal(classes="field-row"):
                    yield Input(self.destination.name, id="destination-rename")
                    yield Button("Rename", id="rename")
                with Horizontal(classes="field-row"):
                    yield Switch(self.destination.enabled, id="destination-enabled")
                    yield Label("Enabled (re-enabled, it starts from new events)")
                yield Label("Sources")
                yield SelectionList[int](id="destination-sources")
                yield Button("Save sources", id="save-sources")
                yield Vertical(id="settings-slot")
                yield FieldError(id="settings-error")
                with Horizontal(classes="buttons"):
                    yield Button("Save settings", id="save-settings", variant="primary")
                with Vertical(classes="danger"):
                    yield Button("Delete destination", id="delete", variant="error")
            with TabPane("Filters", id="filters"):
                yield Static("", id="filters-note", classes="note")
                table: DataTable[str] = DataTable(id="filters-table", cursor_type="row")
                table.add_columns("Title", "What it does", "Applied")
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.seg, "connection", self._connection, init=True)
        self.set_interval(DELIVERY_REFRESH_SECONDS, self._refresh_delivery)
        if self.is_warehouse:
            self.set_interval(WAREHOUSE_REFRESH_SECONDS, self._refresh_warehouse)

    def _connection(self, state: str) -> None:
        if state == "connected":
            self.load()

    def _refresh_delivery(self) -> None:
        tabs = self.query_one("#destination-tabs", TabbedContent)
        if tabs.active == "delivery" and self.seg.connection == "connected":
            self.query_one("#event-delivery", EventDelivery).reload()

    def _refresh_warehouse(self) -> None:
        tabs = self.query_one("#destination-tabs", TabbedContent)
        if tabs.active == "warehouse" and self.seg.connection == "connected":
            self.query_one("#warehouse-sync", WarehouseSync).reload()

    def action_back(self) -> None:
        self.dismiss()

    def action_tab(self, tab: str) -> None:
        self.query_one("#destination-tabs", TabbedContent).active = tab
        focus = {
            "filters": "#filters-table",
            "delivery": "#errors-table",
            "warehouse": "#warehouse-tables",
        }.get(tab)
        if focus:
            self.query_one(focus).focus()

    # --- Loading ----------------------------------------------------------------------

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        client = self.seg.client
        try:
            self.destination, catalog, self.sources, self.filters = await asyncio.gather(
                client.get_destination(self.destination.id),
                client.destination_catalog(),
                client.list_sources(),
                client.list_filters(self.destination.id),
            )
        except ClientError as exc:
            self.seg.report(exc, "Destination")
            return
        self.kind = next((t for t in catalog if t.name == self.destination.type), None)
        await self.show_settings()
        self.show_filters()
        self.query_one("#event-delivery", EventDelivery).reload()
        for sync in self.query(WarehouseSync):
            sync.reload()

    async def show_settings(self) -> None:
        admin = self.is_admin
        rename = self.query_one("#destination-rename", Input)
        rename.value = self.destination.name
        switch = self.query_one("#destination-enabled", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = self.destination.enabled
        choices = self.query_one("#destination-sources", SelectionList)
        choices.clear_options()
        # Connecting or disconnecting a source needs Source Admin on it, whoever manages
        # the destination (a Warehouse Admin too).
        choices.add_options(
            [
                Selection(
                    s.name,
                    s.id,
                    s.id in self.destination.source_ids,
                    disabled=not self.seg.permissions.can_admin_source(s.id),
                )
                for s in self.sources
            ]
        )
        slot = self.query_one("#settings-slot", Vertical)
        await slot.remove_children()
        if self.kind is not None:
            form = SettingsForm(
                self.kind.settings_schema,
                self.destination.settings,
                editing=True,
                id="destination-settings",
            )
            await slot.mount(form)
            form.disabled = not admin
        else:
            await slot.mount(Static(f"The {self.destination.type} plugin is not installed."))
        for widget_id in _ADMIN_CONTROLS:
            self.query_one(widget_id).disabled = not admin
        needs = "Source Admin on all its sources"
        if self.in_warehouse_category:
            needs = f"Warehouse Admin, or {needs}"
        note = "" if admin else f"Read-only: managing it needs {needs}."
        self.query_one("#destination-note", Static).update(note)
        self.refresh_bindings()

    def show_filters(self) -> None:
        table = self.query_one("#filters-table", DataTable)
        table.clear()
        for item in self.filters:
            applied = "no" if item.spec.disabled else "yes"
            table.add_row(item.spec.title or "—", item.spec.describe(), applied, key=str(item.id))
        note = "a: add · e: edit · x: delete" if self.is_admin else "Read-only."
        if not self.filters:
            note = f"No filters: every event is sent. {note}"
        self.query_one("#filters-note", Static).update(note)

    # --- Settings actions ---------------------------------------------------------------

    @on(Button.Pressed, "#rename")
    def _rename(self) -> None:
        name = self.query_one("#destination-rename", Input).value.strip()
        if name and name != self.destination.name:
            self.change(lambda c: c.update_destination(self.destination.id, name=name))

    @on(Switch.Changed, "#destination-enabled")
    def _enabled(self, changed: Switch.Changed) -> None:
        if changed.value != self.destination.enabled:
            self.change(lambda c: c.set_destination_enabled(self.destination.id, changed.value))

    @on(Button.Pressed, "#save-sources")
    def _save_sources(self) -> None:
        chosen = set(self.query_one("#destination-sources", SelectionList).selected)
        # Only sources shown and open to the caller change: a connected source the caller
        # cannot see (or administer) stays connected.
        changeable = {s.id for s in self.sources if self.seg.permissions.can_admin_source(s.id)}
        current = set(self.destination.source_ids)
        added, removed = (chosen - current) & changeable, (current - chosen) & changeable

        async def apply(client: AdminClient) -> object:
            if added:
                await client.connect_sources(self.destination.id, sorted(added))
            if removed:
                await client.disconnect_sources(self.destination.id, sorted(removed))
            return None

        if added or removed:
            self.change(apply)

    @on(Button.Pressed, "#save-settings")
    def _save_settings(self) -> None:
        form = self.query_one("#destination-settings", SettingsForm)
        settings = form.validate()
        if settings is not None:
            self.change(lambda c: c.update_destination(self.destination.id, settings=settings))

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        question = (
            f"Delete the destination “{self.destination.name}”?\n\n"
            "Its filters, retries and dead letters go with it."
        )
        self.app.push_screen(ConfirmScreen(question), self._delete_confirmed)

    def _delete_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.delete()

    @work(group="change", exclusive=True, exit_on_error=False)
    async def delete(self) -> None:
        try:
            await self.seg.client.delete_destination(self.destination.id)
        except ClientError as exc:
            self.seg.report(exc, "Delete destination")
            return
        self.notify(f"Deleted “{self.destination.name}”.")
        self.dismiss()

    @work(group="change", exclusive=True, exit_on_error=False)
    async def change(self, call: Change) -> None:
        """Run one change (a function of the client), then show the destination again."""
        error = self.query_one("#settings-error", Static)
        error.update("")
        try:
            await call(self.seg.client)
        except Rejected as exc:
            by_field, other = settings_errors(exc.violations)
            if self.query("#destination-settings"):
                self.query_one("#destination-settings", SettingsForm).show_errors(by_field)
            error.update("\n".join(other) if other or by_field else str(exc))
            return
        except ClientError as exc:
            self.seg.report(exc, "Destination")
            error.update(str(exc))
            self.load()
            return
        self.notify("Saved.")
        self.load()

    # --- Filters and delivery actions ----------------------------------------------------

    def _active_tab(self) -> str:
        # Bindings are checked from the first frame, before the tabs may be there.
        tabs = self.query("#destination-tabs")
        return tabs.first(TabbedContent).active if tabs else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tab actions only on their tab; dimmed there for those who may only look."""
        if action == "tab" and parameters == ("warehouse",):
            return self.is_warehouse
        wanted = {"replay": "delivery"}.get(action, "filters" if "filter" in action else "")
        if wanted and self._active_tab() != wanted:
            return False
        if wanted:
            return True if self.is_admin else None
        return True

    @on(TabbedContent.TabActivated, "#destination-tabs")
    def _tab(self) -> None:
        self.refresh_bindings()
        self._refresh_warehouse()  # at once, not at the next tick

    def _current_filter(self) -> DestinationFilter | None:
        row = self.query_one("#filters-table", DataTable).cursor_row
        return self.filters[row] if 0 <= row < len(self.filters) else None

    def action_add_filter(self) -> None:
        self.app.push_screen(FilterScreen(self.destination.id), self._filter_saved)

    def action_edit_filter(self) -> None:
        if (current := self._current_filter()) is not None:
            self.app.push_screen(FilterScreen(self.destination.id, current), self._filter_saved)

    def _filter_saved(self, saved: DestinationFilter | None) -> None:
        if saved is not None:
            self.load()

    def action_delete_filter(self) -> None:
        if (current := self._current_filter()) is None:
            return
        question = f"Delete the filter “{current.spec.title or current.spec.describe()}”?"

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.change(lambda c: c.delete_filter(self.destination.id, current.id))

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def action_replay(self) -> None:
        question = (
            f"Send the dead letters of “{self.destination.name}” again, with a fresh retry window?"
        )

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.query_one("#event-delivery", EventDelivery).replay()

        self.app.push_screen(ConfirmScreen(question, "Replay"), confirmed)

    @on(DataTable.RowSelected, "#filters-table")
    def _filter_selected(self) -> None:
        if self.is_admin:
            self.action_edit_filter()
