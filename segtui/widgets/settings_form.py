"""A form generated from a settings JSON Schema, with each error next to its field.

The decisions (which input for which schema, how text becomes values, what is wrong
with them) live in segtui/schema_form.py; this widget lays the fields out and reads
them back.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from segtui.schema_form import MISSING, FieldSpec, Kind, collect, fields_of
from segtui.widgets.field_error import FieldError

_TEXT_HINTS = {
    Kind.STRING_LIST: "one a line",
    Kind.STRING_MAP: "name: value, one a line",
    Kind.JSON: "JSON",
}


class SettingsForm(VerticalScroll):
    """Inputs for every property of `schema`, prefilled from `values` or the defaults."""

    def __init__(
        self,
        schema: dict[str, Any],
        values: dict[str, Any] | None = None,
        *,
        editing: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="settings-form")
        self.specs: list[FieldSpec] = fields_of(schema)
        self.values = values or {}
        #: Editing saved settings: an empty secret keeps the saved one.
        self.editing = editing

    def compose(self) -> ComposeResult:
        for spec in self.specs:
            with Vertical(classes="form-field", id=f"row-{spec.name}"):
                hint = _TEXT_HINTS.get(spec.kind)
                yield Label(f"{spec.label}  ({hint})" if hint else spec.label)
                if spec.description:
                    yield Static(spec.description, classes="field-help", markup=False)
                yield self._input(spec)
                yield FieldError(id=f"error-{spec.name}")

    def _input(self, spec: FieldSpec) -> Widget:
        widget_id = f"field-{spec.name}"
        current = self.values.get(spec.name, MISSING)
        if spec.kind is Kind.BOOLEAN:
            value = current if current is not MISSING else spec.default
            return Switch(bool(value) if value is not MISSING else False, id=widget_id)
        if spec.kind is Kind.ENUM:
            value = current if current is not MISSING else spec.default
            options = [(str(choice), choice) for choice in spec.choices]
            selected = value if value in spec.choices else Select.NULL
            allow_blank = not spec.required or selected is Select.NULL
            return Select(options, value=selected, allow_blank=allow_blank, id=widget_id)
        text = spec.initial_text(current)
        if spec.kind in _TEXT_HINTS:
            return TextArea(text, id=widget_id, classes="field-text", soft_wrap=True)
        placeholder = ""
        if spec.secret:
            placeholder = "unchanged (type to replace)" if self.editing else "secret"
        elif not spec.required:
            placeholder = "optional"
        return Input(text, placeholder=placeholder, password=spec.secret, id=widget_id)

    def raw_values(self) -> dict[str, Any]:
        """What the user entered, field by field, before parsing."""
        raw: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Switch):
                raw[spec.name] = widget.value
            elif isinstance(widget, Select):
                raw[spec.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, TextArea):
                raw[spec.name] = widget.text
            elif isinstance(widget, Input):
                raw[spec.name] = widget.value
        return raw

    def validate(self) -> dict[str, Any] | None:
        """The settings object, or None after showing each error beside its field."""
        values, errors = collect(self.specs, self.raw_values())
        self.show_errors(errors)
        return None if errors else values

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show `errors` (by field name) and focus the first field with one."""
        first: str | None = None
        for spec in self.specs:
            message = errors.get(spec.name, "")
            self.query_one(f"#error-{spec.name}", Static).update(message)
            self.query_one(f"#row-{spec.name}").set_class(bool(message), "-invalid")
            if message and first is None:
                first = spec.name
        if first is not None:
            self.query_one(f"#field-{first}").focus()
