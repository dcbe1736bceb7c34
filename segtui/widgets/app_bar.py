"""The top line of every section: where you are, whether segd answers, who you are."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from segtui.models import Member

if TYPE_CHECKING:
    from segtui.app import SegtuiApp

_STATES = {
    "connecting": "○ connecting",
    "connected": "● connected",
    "disconnected": "✕ disconnected, retrying",
    "refused": "✕ token refused",
}


class AppBar(Horizontal):
    """Section title, connection indicator and the caller's email."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section = section

    def compose(self) -> ComposeResult:
        yield Static("segtui", id="brand")
        yield Static(self.section, id="section")
        yield Static("", id="connection")
        yield Static("", id="whoami")

    def on_mount(self) -> None:
        app = cast("SegtuiApp", self.app)
        self.watch(app, "connection", self._show_connection)
        self.watch(app, "me", self._show_me)

    def _show_connection(self, state: str) -> None:
        app = cast("SegtuiApp", self.app)
        label = self.query_one("#connection", Static)
        label.update(f"{_STATES.get(state, state)}  {app.client.addr}")
        label.set_classes(state)

    def _show_me(self, me: Member | None) -> None:
        self.query_one("#whoami", Static).update(me.email if me is not None else "")
