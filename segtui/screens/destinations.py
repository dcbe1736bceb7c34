"""Destinations: the list with delivery counts, and adding one from the catalog."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    ContentSwitcher,
    DataTable,
    Footer,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
    Switch,
)
from textual.widgets.option_list import Option

from segtui.errors import ClientError, Rejected
from segtui.models import DeliveryStatus, Destination, DestinationType, Source
from segtui.problems import settings_errors
from segtui.screens.base import SectionScreen
from segtui.screens.destination_page import DestinationPageScreen
from segtui.widgets.app_bar import AppBar
from segtui.widgets.field_error import FieldError
from segtui.widgets.settings_form import SettingsForm

if TYPE_CHECKING:
    from segtui.app import SegtuiApp


def catalog_options(types: list[DestinationType]) -> list[Option]:
    """The catalog grouped by category, a disabled heading above each group."""
    options: list[Option] = []
    for category in sorted({t.category for t in types}):
        options.append(Option(category, id=f"category:{category}", disabled=True))
        options.extend(
            Option(f"  {t.display_name}", id=t.name)
            for t in sorted(types, key=lambda t: t.display_name)
            if t.category == category
        )
    return options


def sources_text(source_ids: tuple[int, ...], names: dict[int, str]) -> str:
    """The first source's name and how many more: "Website +2" (the column stays narrow)."""
    if not source_ids:
        return "—"
    first = names.get(source_ids[0], f"#{source_ids[0]}")
    return f"{first} +{len(source_ids) - 1}" if len(source_ids) > 1 else first


def counts(status: DeliveryStatus | None) -> tuple[str, str, str]:
    if status is None:
        return "…", "…", "…"
    return f"{status.delivered:,}", f"{status.retrying:,}", f"{status.dead:,}"


class DestinationsScreen(SectionScreen):
    """Every destination the caller may see, with what it delivered."""

    SECTION = "Destinations"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add destination"),
        Binding("r", "reload", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.destinations: list[Destination] = []
        self.source_names: dict[int, str] = {}

    def body(self) -> ComposeResult:
        yield Static("", id="destinations-note", classes="note")
        table: DataTable[str] = DataTable(id="destinations-table", cursor_type="row")
        for label, key in (
            ("Name", "name"),
            ("Type", "type"),
            ("Sources", "sources"),
            ("Status", "status"),
            ("Delivered", "delivered"),
            ("Retrying", "retrying"),
            ("Dead", "dead"),
        ):
            table.add_column(label, key=key)
        yield table

    @property
    def can_add(self) -> bool:
        """Owners, Source Admins (of the sources they then connect), Warehouse Admins (of
        warehouses)."""
        return self.seg.permissions.can_add_destinations

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add":
            return True if self.can_add else None
        return True

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        client = self.client
        try:
            destinations, sources = await asyncio.gather(
                client.list_destinations(), client.list_sources()
            )
        except ClientError as exc:
            self.seg.report(exc, "Destinations")
            return
        self.destinations = destinations
        self.source_names = {s.id: s.name for s in sources}
        self.show({})
        results = await asyncio.gather(
            *(client.delivery_status(d.id, errors=0) for d in destinations),
            return_exceptions=True,
        )
        self.show(
            {
                d.id: r
                for d, r in zip(destinations, results, strict=True)
                if isinstance(r, DeliveryStatus)
            }
        )

    def show(self, statuses: dict[int, DeliveryStatus]) -> None:
        table = self.query_one("#destinations-table", DataTable)
        row = table.cursor_row
        table.clear()
        for destination in self.destinations:
            names = sources_text(destination.source_ids, self.source_names)
            table.add_row(
                destination.name,
                destination.display_name,
                names,
                destination.status,
                *counts(statuses.get(destination.id)),
                key=str(destination.id),
            )
        if self.destinations:
            table.move_cursor(row=min(row, len(self.destinations) - 1))
        if not self.destinations:
            note = "No destinations yet." + (" Press a to add one." if self.can_add else "")
        elif not self.can_add:
            note = (
                "Adding destinations needs Source Admin on the sources they connect to"
                " (a warehouse: Warehouse Admin)."
            )
        else:
            note = ""
        self.query_one("#destinations-note", Static).update(note)
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#destinations-table")
    def _open(self) -> None:
        table = self.query_one("#destinations-table", DataTable)
        if 0 <= table.cursor_row < len(self.destinations):
            self.open_destination(self.destinations[table.cursor_row])

    def open_destination(self, destination: Destination, tab: str = "delivery") -> None:
        self.app.push_screen(DestinationPageScreen(destination, tab))

    def action_add(self) -> None:
        if not self.can_add:
            self.notify(
                "Adding destinations needs Source Admin (a warehouse: Warehouse Admin).",
                severity="warning",
            )
            return
        self.app.push_screen(AddDestinationScreen(), self._added)

    def _added(self, created: Destination | None) -> None:
        self.reload()
        if created is not None:
            self.open_destination(created)

    def start_task(self, task: str) -> None:
        if task == "add":
            self.action_add()


class AddDestinationScreen(Screen[Destination | None]):
    """Choose a destination type, its sources and name, fill its settings, enable it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "create", "Create"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.types: list[DestinationType] = []
        self.sources: list[Source] = []
        self.chosen: DestinationType | None = None

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield AppBar("Destinations / Add destination")
        with ContentSwitcher(initial="step-type", id="steps"):
            with Vertical(id="step-type"):
                yield Static("1. Choose a destination", classes="step-title")
                yield OptionList(id="destination-catalog")
                yield Static("", id="destination-description", classes="note")
            with VerticalScroll(id="step-setup"):
                yield Static("", id="setup-title", classes="step-title")
                yield Label("Name *")
                yield Input(placeholder="Production webhook", id="destination-name")
                yield FieldError(id="error-name")
                yield Label("Sources it receives events from")
                yield SelectionList[int](id="destination-sources")
                with Horizontal(classes="field-row"):
                    yield Switch(True, id="destination-enabled")
                    yield Label("Enabled: start delivering at once")
                yield Vertical(id="settings-slot")
                yield FieldError(id="create-error")
                with Horizontal(classes="buttons"):
                    yield Button("Create destination", id="create", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        client = self.seg.client
        try:
            self.types, self.sources = await asyncio.gather(
                client.destination_catalog(), client.list_sources()
            )
        except ClientError as exc:
            self.seg.report(exc, "Destination catalog")
            return
        permissions = self.seg.permissions
        catalog = self.query_one("#destination-catalog", OptionList)
        catalog.clear_options()
        # Only the kinds the caller may add (a Warehouse Admin alone: warehouses).
        catalog.add_options(
            catalog_options([t for t in self.types if permissions.can_add_destination(t.category)])
        )
        catalog.action_first()
        catalog.focus()
        choices = self.query_one("#destination-sources", SelectionList)
        choices.clear_options()
        # Only sources the caller administers can be connected.
        choices.add_options(
            [(s.name, s.id) for s in self.sources if permissions.can_admin_source(s.id)]
        )

    def _type(self, name: str | None) -> DestinationType | None:
        return next((t for t in self.types if t.name == name), None)

    @on(OptionList.OptionHighlighted, "#destination-catalog")
    def _describe(self, message: OptionList.OptionHighlighted) -> None:
        kind = self._type(message.option.id)
        self.query_one("#destination-description", Static).update(kind.description if kind else "")

    @on(OptionList.OptionSelected, "#destination-catalog")
    async def _choose(self, message: OptionList.OptionSelected) -> None:
        self.chosen = self._type(message.option.id)
        if self.chosen is None:
            return
        self.query_one("#setup-title", Static).update(f"2. Set up {self.chosen.display_name}")
        slot = self.query_one("#settings-slot", Vertical)
        await slot.remove_children()
        await slot.mount(SettingsForm(self.chosen.settings_schema, id="settings-form"))
        self.query_one("#steps", ContentSwitcher).current = "step-setup"
        self.query_one("#destination-name", Input).focus()

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self.chosen is None:
            return
        name = self.query_one("#destination-name", Input).value.strip()
        self.query_one("#error-name", Static).update("" if name else "required")
        form = self.query_one("#settings-form", SettingsForm)
        settings = form.validate()
        if not name or settings is None:
            return
        sources = list(self.query_one("#destination-sources", SelectionList).selected)
        enabled = self.query_one("#destination-enabled", Switch).value
        self.create(name, self.chosen.name, sources, settings, enabled)

    @work(group="create", exclusive=True, exit_on_error=False)
    async def create(
        self,
        name: str,
        type_name: str,
        sources: list[int],
        settings: dict[str, object],
        enabled: bool,
    ) -> None:
        try:
            created = await self.seg.client.create_destination(
                name, type_name, sources, settings, enabled
            )
        except Rejected as exc:
            by_field, other = settings_errors(exc.violations)
            self.query_one("#settings-form", SettingsForm).show_errors(by_field)
            self.query_one("#error-name", Static).update(exc.violations.get("name", ""))
            message = "\n".join(other) if other or by_field else str(exc)
            self.query_one("#create-error", Static).update(message)
            return
        except ClientError as exc:
            self.query_one("#create-error", Static).update(str(exc))
            self.seg.report(exc, "Create destination")
            return
        self.dismiss(created)

    def action_back(self) -> None:
        steps = self.query_one("#steps", ContentSwitcher)
        if steps.current == "step-setup":
            steps.current = "step-type"
            self.query_one("#destination-catalog", OptionList).focus()
        else:
            self.dismiss(None)
