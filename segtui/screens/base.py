"""What every section screen shares: the app bar, the footer, reloading on reconnect."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from segtui.models import Member
from segtui.widgets.app_bar import AppBar

if TYPE_CHECKING:
    from segtui.app import SegtuiApp
    from segtui.client import AdminClient


class SectionScreen(Screen[None]):
    """A main section. Subclasses compose `body` and load their data in `reload`."""

    SECTION: ClassVar[str] = ""

    @property
    def seg(self) -> SegtuiApp:
        return cast("SegtuiApp", self.app)

    @property
    def client(self) -> AdminClient:
        return self.seg.client

    def compose(self) -> ComposeResult:
        yield AppBar(self.SECTION)
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.seg, "connection", self._connection_changed)
        self.watch(self.seg, "me", self._me_changed, init=False)

    def on_screen_resume(self) -> None:
        # Back from a page or another section: what it changed shows here at once.
        if self.seg.connection == "connected":
            self.reload()

    def _connection_changed(self, state: str) -> None:
        if state == "connected":
            self.reload()

    def _me_changed(self, old: Member | None, new: Member | None) -> None:
        # The caller's roles changed (a heartbeat noticed): show what is allowed now.
        if old is not None and new is not None and old.effective_grants != new.effective_grants:
            self.reload()

    def reload(self) -> None:
        """Load (again) what the screen shows; called on each (re)connection."""

    def start_task(self, task: str) -> None:
        """Begin a task named by Getting Started ("add", "invite", "debugger", ...)."""
