"""Shown while segd refuses the token: what happened and how to fix it, no traceback."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from segtui.settings import ENV_TOKEN, config_path


class TokenRefusedScreen(Screen[None]):
    """Stays until a heartbeat gets through (the token was fixed) or the user quits."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q,escape", "app.quit", "Quit")]

    def __init__(self, addr: str, reason: str) -> None:
        super().__init__()
        self.addr = addr
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("segd did not accept your token", classes="dialog-title")
            yield Static(
                f"{self.reason}\n\n"
                "Give segtui your personal token in one of these ways:\n"
                f"  segtui --addr {self.addr} --token TOKEN\n"
                f"  {ENV_TOKEN}=TOKEN segtui\n"
                f'  token = "TOKEN" in {config_path()}\n\n'
                "Joining with an invite? Run:\n"
                f"  segtui --addr {self.addr} --accept-invite INVITE_TOKEN\n\n"
                "The workspace owner's token is printed once by `segd init`.",
                classes="dialog-body",
                markup=False,
            )
            yield Static("q to quit", classes="dialog-hint")
