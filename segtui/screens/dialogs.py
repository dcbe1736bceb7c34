"""Small modal dialogs shared by the sections: confirm, and show a secret once."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask before something that cannot be undone; dismisses with True to go ahead."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, question: str, action: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.action_label = action

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.action_label, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, pressed: Button.Pressed) -> None:
        self.dismiss(pressed.button.id == "confirm")


class SecretScreen(ModalScreen[None]):
    """Text shown once (a token, a write key), selectable, until dismissed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.body, classes="dialog-body secret", markup=False)
            yield Static(
                "Shown once: copy it now. enter or escape to close.", classes="dialog-hint"
            )
