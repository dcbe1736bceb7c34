"""Sources: the list with status and volume, and adding a source from the catalog."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from segtui.errors import ClientError
from segtui.models import CreatedSource, Schema, Source, SourceType
from segtui.screens.base import SectionScreen
from segtui.screens.source_page import SourcePageScreen
from segtui.widgets.app_bar import AppBar
from segtui.widgets.field_error import FieldError


def volume(schema: Schema | None) -> tuple[str, str]:
    """Today's and the last 7 days' event counts, for the list."""
    if schema is None:
        return "…", "…"
    return f"{schema.volume_today:,}", f"{schema.volume_7_days:,}"


def catalog_options(types: list[SourceType]) -> list[Option]:
    """The catalog grouped by category, a disabled heading above each group."""
    options: list[Option] = []
    for category in dict.fromkeys(t.category for t in types):
        options.append(Option(category, id=f"category:{category}", disabled=True))
        options.extend(Option(f"  {t.title}", id=t.id) for t in types if t.category == category)
    return options


def snippet_content(source_type: SourceType | None, write_key: str) -> Content:
    if source_type is None or not source_type.setup_snippet:
        return Content(f"Write key: {write_key}")
    code = source_type.snippet_for(write_key)
    return highlight(code, language=source_type.snippet_language or None)


class SourcesScreen(SectionScreen):
    """Every source the caller may see, with its state and how many events it gets."""

    SECTION = "Sources"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=False),
        Binding("a", "add", "Add source"),
        Binding("r", "reload", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[Source] = []
        self.types: dict[str, SourceType] = {}

    def body(self) -> ComposeResult:
        yield Static("", id="sources-note", classes="note")
        table: DataTable[str] = DataTable(id="sources-table", cursor_type="row", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#sources-table", DataTable)
        table.add_column("Name", key="name")
        table.add_column("Type", key="type")
        table.add_column("Status", key="status")
        table.add_column("Today", key="today")
        table.add_column("7 days", key="week")
        super().on_mount()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add":
            # Shown but dimmed when not allowed: the note says why.
            return True if self.seg.permissions.can_create_sources else None
        return True

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            sources, catalog = await asyncio.gather(
                self.client.list_sources(), self.client.source_catalog()
            )
        except ClientError as exc:
            self.seg.report(exc, "Sources")
            return
        self.sources, self.types = sources, {t.id: t for t in catalog}
        self.show({})
        schemas: dict[int, Schema] = {}
        results = await asyncio.gather(
            *(self.client.schema(s.id) for s in sources), return_exceptions=True
        )
        for source, result in zip(sources, results, strict=True):
            if isinstance(result, Schema):
                schemas[source.id] = result
        self.show(schemas)

    def show(self, schemas: dict[int, Schema]) -> None:
        table = self.query_one("#sources-table", DataTable)
        row = table.cursor_row
        table.clear()
        for source in self.sources:
            kind = self.types.get(source.type)
            today, week = volume(schemas.get(source.id)) if schemas else ("…", "…")
            table.add_row(
                source.name,
                kind.title if kind else source.type,
                source.status,
                today,
                week,
                key=str(source.id),
            )
        if self.sources:
            table.move_cursor(row=min(row, len(self.sources) - 1))
        permissions = self.seg.permissions
        if not self.sources:
            note = "No sources yet." + (
                " Press a to add one." if permissions.can_create_sources else ""
            )
        elif not permissions.can_create_sources:
            note = "Adding sources needs Source Admin on all sources."
        else:
            note = ""
        self.query_one("#sources-note", Static).update(note)
        self.refresh_bindings()

    def _selected_source(self) -> Source | None:
        table = self.query_one("#sources-table", DataTable)
        if not self.sources or table.cursor_row >= len(self.sources):
            return None
        return self.sources[table.cursor_row]

    @on(DataTable.RowSelected, "#sources-table")
    def action_open(self) -> None:
        if (source := self._selected_source()) is not None:
            self.open_source(source)

    def open_source(self, source: Source, tab: str = "overview") -> None:
        self.app.push_screen(SourcePageScreen(source, self.types.get(source.type), tab))

    def action_add(self) -> None:
        if not self.seg.permissions.can_create_sources:
            self.notify("Adding sources needs Source Admin on all sources.", severity="warning")
            return
        self.app.push_screen(AddSourceScreen(), self._added)

    def _added(self, created: CreatedSource | None) -> None:
        self.reload()
        if created is not None:
            self.open_source(created.source)

    def start_task(self, task: str) -> None:
        if task == "add":
            self.action_add()
        elif task in ("debugger", "schema"):
            self._open_first(task)

    @work(group="open_first", exit_on_error=False)
    async def _open_first(self, tab: str) -> None:
        if not self.sources:
            try:
                self.sources = await self.client.list_sources()
            except ClientError as exc:
                self.seg.report(exc, "Sources")
                return
        if not self.sources:
            self.notify("Add a source first.", severity="warning")
            return
        self.open_source(self.sources[0], tab)


class AddSourceScreen(Screen[CreatedSource | None]):
    """Pick a type from the catalog, name the source, get its write key and snippet."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.types: list[SourceType] = []
        self.chosen: SourceType | None = None
        self.created: CreatedSource | None = None

    def compose(self) -> ComposeResult:
        yield AppBar("Sources / Add source")
        with ContentSwitcher(initial="step-type", id="steps"):
            with Vertical(id="step-type"):
                yield Static("1. Choose where the events come from", classes="step-title")
                yield OptionList(id="catalog")
                yield Static("", id="type-description", classes="note")
            with Vertical(id="step-name"):
                yield Static("2. Name the source", classes="step-title")
                yield Input(placeholder="Production website", id="source-name")
                yield FieldError(id="name-error")
                with Horizontal(classes="buttons"):
                    yield Button("Create source", id="create", variant="primary")
            with VerticalScroll(id="step-done"):
                yield Static("", id="created-title", classes="step-title")
                yield Static("", id="created-key", classes="secret")
                yield Static("Set up your client:", classes="note")
                yield Static("", id="snippet", classes="snippet")
                with Horizontal(classes="buttons"):
                    yield Button("Open source", id="open", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        from segtui.app import SegtuiApp

        app = self.app
        assert isinstance(app, SegtuiApp)
        try:
            self.types = await app.client.source_catalog()
        except ClientError as exc:
            app.report(exc, "Source catalog")
            return
        catalog = self.query_one("#catalog", OptionList)
        catalog.clear_options()
        catalog.add_options(catalog_options(self.types))
        catalog.action_first()
        catalog.focus()

    def _type(self, type_id: str | None) -> SourceType | None:
        return next((t for t in self.types if t.id == type_id), None)

    @on(OptionList.OptionHighlighted, "#catalog")
    def _describe(self, message: OptionList.OptionHighlighted) -> None:
        kind = self._type(message.option.id)
        self.query_one("#type-description", Static).update(kind.description if kind else "")

    @on(OptionList.OptionSelected, "#catalog")
    def _choose(self, message: OptionList.OptionSelected) -> None:
        self.chosen = self._type(message.option.id)
        self.query_one("#steps", ContentSwitcher).current = "step-name"
        self.query_one("#source-name", Input).focus()

    @on(Input.Submitted, "#source-name")
    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        name = self.query_one("#source-name", Input).value.strip()
        error = self.query_one("#name-error", Static)
        if not name:
            error.update("A source needs a name.")
            return
        error.update("")
        self.create(name)

    @work(group="create", exclusive=True, exit_on_error=False)
    async def create(self, name: str) -> None:
        from segtui.app import SegtuiApp

        app = self.app
        assert isinstance(app, SegtuiApp)
        try:
            created = await app.client.create_source(name, self.chosen.id if self.chosen else "")
        except ClientError as exc:
            self.query_one("#name-error", Static).update(str(exc))
            app.report(exc, "Create source")
            return
        self.created = created
        self.query_one("#created-title", Static).update(
            f"3. Source “{created.source.name}” is ready (slug {created.source.slug})"
        )
        self.query_one("#created-key", Static).update(f"Write key: {created.write_key}")
        self.query_one("#snippet", Static).update(snippet_content(self.chosen, created.write_key))
        self.query_one("#steps", ContentSwitcher).current = "step-done"
        self.query_one("#open", Button).focus()

    @on(Button.Pressed, "#open")
    def _open(self) -> None:
        self.dismiss(self.created)

    def action_back(self) -> None:
        steps = self.query_one("#steps", ContentSwitcher)
        if steps.current == "step-name":
            steps.current = "step-type"
            self.query_one("#catalog", OptionList).focus()
        else:
            self.dismiss(self.created)
