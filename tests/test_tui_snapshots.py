"""Snapshots of segtui's main screens at 80x24 and 120x40, on fixed data.

Update them after an intended change with `pytest tests/test_tui_snapshots.py
--snapshot-update`, and look at the SVGs in tests/__snapshots__/ before committing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from segtui.app import SegtuiApp
from segtui.screens.debugger import EventDetailScreen
from segtui.screens.destination_page import DestinationPageScreen
from segtui.screens.source_page import SourcePageScreen
from segtui.widgets.event_list import EventList
from tests.support.fixed_workspace import WAREHOUSE, FixedWorkspace

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch):
    """Times show in the local zone: make it UTC so the snapshots are the same anywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def until(pilot: Pilot[None], check: Callable[[], object]) -> None:
    for _ in range(200):
        if check():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen did not get its data")


async def connected(pilot: Pilot[None]) -> SegtuiApp:
    app = pilot.app
    assert isinstance(app, SegtuiApp)
    await until(pilot, lambda: app.connection == "connected")
    return app


async def getting_started(pilot: Pilot[None]) -> None:
    app = await connected(pilot)
    await until(pilot, lambda: app.screen.query_one("#checklist").option_count > 0)


async def sources(pilot: Pilot[None]) -> None:
    app = await connected(pilot)
    await app.goto("sources")
    table = app.screen.query_one("#sources-table", DataTable)
    await until(pilot, lambda: table.row_count == 3 and table.get_cell_at((0, 3)) != "…")


async def source_overview(pilot: Pilot[None]) -> None:
    await sources(pilot)
    await pilot.press("down", "enter")
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, SourcePageScreen) and app.screen.write_keys)


async def debugger(pilot: Pilot[None]) -> None:
    await source_overview(pilot)
    await pilot.press("d")
    await until(pilot, lambda: len(pilot.app.screen.query_one("#events", EventList).events) == 5)


async def event_pretty(pilot: Pilot[None]) -> None:
    await debugger(pilot)
    await pilot.press("down", "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, EventDetailScreen))


async def event_raw(pilot: Pilot[None]) -> None:
    await event_pretty(pilot)
    await pilot.press("v")


async def schema(pilot: Pilot[None]) -> None:
    await source_overview(pilot)
    await pilot.press("h")
    await pilot.press("enter")


async def members(pilot: Pilot[None]) -> None:
    app = await connected(pilot)
    await app.goto("members")
    await until(pilot, lambda: app.screen.query_one("#members-table", DataTable).row_count == 3)


async def destinations(pilot: Pilot[None]) -> None:
    app = await connected(pilot)
    await app.goto("destinations")
    table = app.screen.query_one("#destinations-table", DataTable)
    await until(pilot, lambda: table.row_count == 2 and table.get_cell_at((0, 4)) != "…")


async def destination_delivery(pilot: Pilot[None]) -> None:
    await destinations(pilot)
    await pilot.press("enter")
    app = pilot.app
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, DestinationPageScreen)
            and app.screen.query_one("#dead-table", DataTable).row_count == 1
        ),
    )


async def destination_settings(pilot: Pilot[None]) -> None:
    await destination_delivery(pilot)
    await pilot.press("t")
    await until(pilot, lambda: pilot.app.screen.query("#destination-settings"))


async def destination_filters(pilot: Pilot[None]) -> None:
    await destination_delivery(pilot)
    await pilot.press("f")


async def destination_warehouse(pilot: Pilot[None]) -> None:
    app = await connected(pilot)
    await app.push_screen(DestinationPageScreen(WAREHOUSE, tab="warehouse"))
    table = app.screen.query_one("#warehouse-tables", DataTable)
    await until(pilot, lambda: table.row_count == 6)


async def help_screen(pilot: Pilot[None]) -> None:
    await sources(pilot)
    await pilot.press("question_mark")


SCREENS: dict[str, Callable[[Pilot[None]], Awaitable[None]]] = {
    "getting_started": getting_started,
    "sources": sources,
    "source_overview": source_overview,
    "debugger": debugger,
    "event_pretty": event_pretty,
    "event_raw": event_raw,
    "schema": schema,
    "members": members,
    "destinations": destinations,
    "destination_delivery": destination_delivery,
    "destination_settings": destination_settings,
    "destination_filters": destination_filters,
    "destination_warehouse": destination_warehouse,
    "help": help_screen,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, screen: str, size: tuple[int, int]) -> None:
    app = SegtuiApp(FixedWorkspace())
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
