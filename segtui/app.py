"""The segtui application: sections as modes, the connection indicator, the palette.

The app owns the one AdminClient and a heartbeat worker that keeps asking segd who the
caller is. That answer gives the connection state every screen watches (`connection`:
connecting, connected, disconnected, refused) and the caller's roles (`me`), from which
screens decide what to show as not allowed. A screen reloads its data each time the
state turns to connected, so a restarted daemon needs nothing from the user.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from segtui.client import AdminClient
from segtui.commands import SourcesCommands
from segtui.errors import BadToken, ClientError, Disconnected
from segtui.models import Member, Permissions
from segtui.screens.base import SectionScreen
from segtui.screens.destinations import DestinationsScreen
from segtui.screens.getting_started import GettingStartedScreen
from segtui.screens.help import HelpScreen
from segtui.screens.members import MembersScreen
from segtui.screens.refused import TokenRefusedScreen
from segtui.screens.sources import SourcesScreen

#: Seconds between heartbeats while connected (they also refresh the caller's roles).
HEARTBEAT_SECONDS = 5.0
#: Retry delays while disconnected: start quick, then settle.
RETRY_FIRST, RETRY_MAX = 0.25, 4.0


class SegtuiApp(App[None]):
    """The terminal UI of a segd workspace."""

    CSS_PATH = "segtui.tcss"
    TITLE = "segtui"
    MODES: ClassVar[dict[str, type[Screen[None]]]] = {  # type: ignore[assignment]
        "start": GettingStartedScreen,
        "sources": SourcesScreen,
        "destinations": DestinationsScreen,
        "members": MembersScreen,
    }
    COMMANDS = App.COMMANDS | {SourcesCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "switch_mode('start')", "Getting Started", show=False),
        Binding("f2", "switch_mode('sources')", "Sources", show=False),
        Binding("f3", "switch_mode('destinations')", "Destinations", show=False),
        Binding("f4", "switch_mode('members')", "Members", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    connection: reactive[str] = reactive("connecting")
    me: reactive[Member | None] = reactive(None)

    def __init__(self, client: AdminClient, *, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        super().__init__()
        self.client = client
        self.client.on_state = self._on_call_state
        self.heartbeat_seconds = heartbeat
        self._wake = asyncio.Event()
        self._connected = asyncio.Event()
        self.refused_reason = ""
        self._last_error = ""

    @property
    def permissions(self) -> Permissions:
        return self.me.permissions if self.me is not None else Permissions()

    def on_mount(self) -> None:
        self.switch_mode("start")
        self.heartbeat()

    async def on_unmount(self) -> None:
        await self.client.close()

    # --- The connection -----------------------------------------------------------

    def _on_call_state(self, answered: bool) -> None:
        """Every call reports whether segd answered; a failure shows at once."""
        if not answered and self.connection == "connected":
            self.connection = "disconnected"
        if answered != (self.connection == "connected"):
            self._wake.set()

    def watch_connection(self, state: str) -> None:
        if state == "connected":
            self._connected.set()
        else:
            self._connected.clear()
        refused_shown = isinstance(self.screen, TokenRefusedScreen)
        if state == "refused" and not refused_shown:
            self.push_screen(TokenRefusedScreen(self.client.addr, self.refused_reason))
        elif state != "refused" and refused_shown:
            self.pop_screen()

    async def wait_connected(self) -> None:
        """Return once segd answers again (workers call this before they retry)."""
        await self._connected.wait()

    @work(exclusive=True, group="heartbeat", exit_on_error=False)
    async def heartbeat(self) -> None:
        """Ask segd who we are, forever: quickly while it is away, slowly while it answers."""
        delay = RETRY_FIRST
        while True:
            try:
                me = await self.client.whoami()
            except Disconnected:
                self.connection = "disconnected"
                wait, delay = delay, min(delay * 2, RETRY_MAX)
            except BadToken as exc:
                self.refused_reason = str(exc)
                self.connection = "refused"
                wait = RETRY_MAX
            except ClientError as exc:
                if str(exc) != self._last_error:  # say it once, not every heartbeat
                    self._last_error = str(exc)
                    self.notify(str(exc), title="segd", severity="error")
                wait = RETRY_MAX
            else:
                if me != self.me:
                    self.me = me
                self._last_error = ""
                self.connection = "connected"
                wait, delay = self.heartbeat_seconds, RETRY_FIRST
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def report(self, error: ClientError, doing: str = "") -> None:
        """Show a failed call: disconnections and refusals have their own indicator."""
        if isinstance(error, Disconnected):
            return
        if isinstance(error, BadToken):
            self._wake.set()
            return
        prefix = f"{doing}: " if doing else ""
        self.notify(f"{prefix}{error}", title="segd", severity="error", timeout=8)

    # --- Navigation ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the token is refused, the screen saying so stays put.
        return not (action == "switch_mode" and self.connection == "refused")

    async def goto(self, mode: str, task: str = "") -> None:
        """Open a section, back at its first screen, and start `task` there if given."""
        if mode not in self.MODES:
            self.notify("This daemon has no such section.", severity="warning")
            return
        await self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        screen = self.screen
        if task and isinstance(screen, SectionScreen):
            screen.start_task(task)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand("Getting Started", "The setup checklist (F1)", self._goto("start"))
        yield SystemCommand(
            "Sources", "Sources, their debugger and schema (F2)", self._goto("sources")
        )
        yield SystemCommand(
            "Destinations",
            "Where events are delivered, and how that goes (F3)",
            self._goto("destinations"),
        )
        yield SystemCommand("Members", "Members, roles and invites (F4)", self._goto("members"))
        yield SystemCommand("Help", "Keys of this screen (?)", self.action_help)
        yield from super().get_system_commands(screen)

    def _goto(self, mode: str) -> Callable[[], Awaitable[None]]:
        async def switch() -> None:
            await self.goto(mode)

        return switch
