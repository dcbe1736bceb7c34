"""Dialogs of a destination's page: a filter's editor, and a delivery failure's detail."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch

from segtui.errors import ClientError, Rejected
from segtui.models import FILTER_KINDS, DestinationFilter, FilterSpec
from segtui.problems import caret
from segtui.widgets.field_error import FieldError

if TYPE_CHECKING:
    from segtui.app import SegtuiApp


def spec_from_inputs(
    kind: str, condition: str, fields: str, percent: str, path: str, title: str, disabled: bool
) -> tuple[FilterSpec | None, dict[str, str]]:
    """A FilterSpec from the editor's inputs, or the errors by input."""
    errors: dict[str, str] = {}
    share: float | None = None
    if kind == "sample":
        try:
            share = float(percent.strip().rstrip("%")) / 100
        except ValueError:
            errors["percent"] = "a number from 0 to 100"
        else:
            if not 0 <= share <= 1:
                errors["percent"] = "a number from 0 to 100"
    names = tuple(f.strip() for f in fields.split(",") if f.strip())
    if kind in ("drop_properties", "allow_properties") and not names:
        errors["fields"] = "at least one field, such as properties.email"
    if errors:
        return None, errors
    spec = FilterSpec(
        kind=kind,
        condition=condition.strip(),
        fields=names if kind in ("drop_properties", "allow_properties") else (),
        percent=share,
        path=path.strip() if kind == "sample" else "",
        title=title.strip(),
        disabled=disabled,
    )
    return spec, {}


class FilterScreen(ModalScreen[DestinationFilter | None]):
    """Create or edit a filter; an FQL error shows with a caret under its place."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, destination_id: int, existing: DestinationFilter | None = None) -> None:
        super().__init__()
        self.destination_id = destination_id
        self.existing = existing

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    def compose(self) -> ComposeResult:
        spec = self.existing.spec if self.existing else FilterSpec("drop")
        percent = f"{(spec.percent or 0) * 100:g}" if spec.percent is not None else ""
        with Vertical(classes="dialog wide", id="filter-dialog"):
            yield Static("Edit filter" if self.existing else "Add filter", classes="dialog-title")
            with VerticalScroll():
                yield Select(
                    [(text, kind) for kind, text in FILTER_KINDS.items()],
                    value=spec.kind,
                    allow_blank=False,
                    id="filter-kind",
                )
                yield Label("Condition (FQL; empty: every event)")
                yield Input(
                    spec.condition,
                    placeholder="type = 'track' and event = 'Order Completed'",
                    id="filter-condition",
                )
                yield FieldError(id="filter-condition-error", classes="caret")
                yield Label("Fields (comma-separated dotted paths)", classes="for-fields")
                yield Input(
                    ", ".join(spec.fields),
                    placeholder="properties.email, context.ip",
                    id="filter-fields",
                    classes="for-fields",
                )
                yield FieldError(id="filter-fields-error")
                yield Label("Keep this percent", classes="for-sample")
                yield Input(percent, placeholder="10", id="filter-percent", classes="for-sample")
                yield FieldError(id="filter-percent-error")
                yield Label(
                    "Sample by (empty: messageId; userId keeps whole users)", classes="for-sample"
                )
                yield Input(spec.path, placeholder="userId", id="filter-path", classes="for-sample")
                yield Label("Title")
                yield Input(spec.title, id="filter-title")
                with Horizontal(classes="field-row"):
                    yield Switch(not spec.disabled, id="filter-enabled")
                    yield Label("Applied (off: saved but not applied)")
            yield FieldError(id="filter-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save filter", id="save", variant="primary")

    def on_mount(self) -> None:
        self._show_kind(str(self.query_one("#filter-kind", Select).value))
        self.query_one("#filter-condition", Input).focus()

    @on(Select.Changed, "#filter-kind")
    def _kind(self, changed: Select.Changed) -> None:
        self._show_kind(str(changed.value))

    def _show_kind(self, kind: str) -> None:
        for widget in self.query(".for-fields"):
            widget.display = kind in ("drop_properties", "allow_properties")
        for widget in self.query(".for-sample"):
            widget.display = kind == "sample"

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        spec, errors = spec_from_inputs(
            str(self.query_one("#filter-kind", Select).value),
            self._value("filter-condition"),
            self._value("filter-fields"),
            self._value("filter-percent"),
            self._value("filter-path"),
            self._value("filter-title"),
            not self.query_one("#filter-enabled", Switch).value,
        )
        for name in ("fields", "percent"):
            self.query_one(f"#filter-{name}-error", Static).update(errors.get(name, ""))
        if spec is not None:
            self.save(spec)

    @work(group="save", exclusive=True, exit_on_error=False)
    async def save(self, spec: FilterSpec) -> None:
        client = self.seg.client
        condition_error = self.query_one("#filter-condition-error", Static)
        condition_error.update("")
        try:
            if self.existing is None:
                saved = await client.create_filter(self.destination_id, spec)
            else:
                saved = await client.update_filter(self.destination_id, self.existing.id, spec)
        except Rejected as exc:
            problem = exc.violations.get("spec.condition")
            position = exc.positions.get("spec.condition")
            if problem is not None and position is not None:
                condition_error.update(caret(spec.condition, position, problem))
                self.query_one("#filter-condition", Input).focus()
            elif problem is not None:
                condition_error.update(problem)
            else:
                self.query_one("#filter-error", Static).update(str(exc))
            return
        except ClientError as exc:
            self.query_one("#filter-error", Static).update(str(exc))
            return
        self.dismiss(saved)


class FailureScreen(ModalScreen[None]):
    """A delivery failure in full: what was sent and what came back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, sections: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="failure-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll():
                for heading, body in self.sections:
                    yield Static(heading, classes="help-heading")
                    yield Static(body or "(empty)", classes="sample", markup=False)
            yield Static("escape to close", classes="dialog-hint")
