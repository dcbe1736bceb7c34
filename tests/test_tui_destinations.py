"""Destinations in segtui, driven by Pilot against a real daemon, a real webhook receiver
and a real (DuckDB) warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, OptionList, SelectionList, Static, TextArea

from segtui.app import SegtuiApp
from segtui.screens.destination_dialogs import FailureScreen, FilterScreen
from segtui.screens.destination_page import DestinationPageScreen
from segtui.screens.destinations import AddDestinationScreen, DestinationsScreen
from segtui.screens.dialogs import ConfirmScreen
from segtui.widgets.settings_form import SettingsForm
from segtui.widgets.warehouse_sync import WarehouseSync
from tests.support.daemon import Daemon, track
from tests.support.delivery import fast_config
from tests.support.receiver import Receiver
from tests.test_tui_app import admin_client, choose, make_app, run_async, send, text, until


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def fast_daemon(workspace: tuple[Path, str, str], tmp_path: Path) -> Iterator[Daemon]:
    """A daemon whose router picks up new destinations and retries within a test's time."""
    data_dir, token, write_key = workspace
    running = Daemon(data_dir, config=fast_config(tmp_path / "segd.toml")).start()
    running.write_key = write_key  # type: ignore[attr-defined]
    running.owner_token = token  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        running.kill()


@run_async
async def test_add_a_webhook_through_the_form_and_watch_its_delivery(
    fast_daemon: Daemon, receiver: Receiver
) -> None:
    daemon = fast_daemon
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("destinations")
        assert isinstance(app.screen, DestinationsScreen)
        await pilot.press("a")
        await until(
            pilot, lambda: isinstance(app.screen, AddDestinationScreen) and app.screen.types
        )
        add = app.screen
        choose(add.query_one("#destination-catalog", OptionList), "webhook")
        await pilot.press("enter")
        await until(pilot, lambda: add.query("#settings-form"))
        form = add.query_one("#settings-form", SettingsForm)

        # Errors beside their fields: first what the form itself checks...
        await pilot.press("ctrl+s")
        assert text(add.query_one("#error-name", Static)) == "required"
        assert text(form.query_one("#error-urls", Static)) == "required"
        add.query_one("#destination-name", Input).value = "Orders hook"
        form.query_one("#field-urls", TextArea).text = "not a url"
        await pilot.press("ctrl+s")
        assert "must be a URL" in text(form.query_one("#error-urls", Static))
        # ...then what only the plugin knows, as segd reports it for the field.
        form.query_one("#field-urls", TextArea).text = receiver.url
        form.query_one("#field-headers", TextArea).text = "Content-Type: text/plain"
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: (
                "set by the destination itself" in text(form.query_one("#error-headers", Static))
            ),
        )
        assert form.query_one("#row-headers").has_class("-invalid")

        form.query_one("#field-headers", TextArea).text = "Authorization: Bearer s3cret"
        add.query_one("#destination-sources", SelectionList).select_all()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DestinationPageScreen))
        page = app.screen
        assert page.destination.name == "Orders hook" and page.destination.source_ids
        assert not page.query(WarehouseSync) and not page.check_action("tab", ("warehouse",))

        send(
            daemon.address,
            daemon.write_key,
            track("u1", "Order Completed"),
            track("u2", "Order Completed"),
        )  # type: ignore[attr-defined]
        summary = page.query_one("#delivery-summary", Static)
        try:
            await until(pilot, lambda: "Delivered 2" in text(summary), seconds=20)
        except AssertionError as exc:
            log = "".join(daemon.raw_output[-20:])
            shown = f"{text(summary)!r}; receiver got {len(receiver.accepted)}"
            raise AssertionError(f"{exc}\nshown: {shown}\ndaemon log:\n{log}") from None
        assert len(receiver.accepted) == 2
        assert "p95" in text(summary)

        # A permanent failure: a dead letter with the request and the response.
        receiver.fail(400)
        send(daemon.address, daemon.write_key, track("u3", "Order Completed"))  # type: ignore[attr-defined]
        await until(pilot, lambda: "Dead 1" in text(summary), seconds=20)
        errors = page.query_one("#errors-table", DataTable)
        await until(pilot, lambda: errors.row_count >= 1)
        errors.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FailureScreen))
        shown = "\n".join(text(s) for s in app.screen.query(".sample"))
        assert "POST" in shown and "400" in shown
        assert "s3cret" not in shown  # secret header values never shown
        await pilot.press("escape")

        # Replay the dead letter once the receiver is fixed.
        receiver.ok()
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm")
        await until(
            pilot, lambda: "Delivered 3" in text(summary) and "Dead 0" in text(summary), seconds=20
        )

        # A filter whose FQL does not parse: the caret points at the place.
        await pilot.press("f")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, FilterScreen))
        dialog = app.screen
        dialog.query_one("#filter-condition", Input).value = "type = 'track' and"
        await pilot.press("ctrl+s")
        caret = dialog.query_one("#filter-condition-error", Static)
        await until(pilot, lambda: "^" in text(caret))
        lines = text(caret).splitlines()
        assert lines[0] == "type = 'track' and" and lines[1].index("^") == len("type = 'track' and")
        dialog.query_one("#filter-condition", Input).value = "event = 'Order Completed'"
        await pilot.press("enter")  # from the condition input
        await until(pilot, lambda: app.screen is page)
        filters = page.query_one("#filters-table", DataTable)
        await until(pilot, lambda: filters.row_count == 1)
        assert "drop · event = 'Order Completed'" in str(filters.get_row_at(0))


@run_async
async def test_a_read_only_member_sees_destinations_without_admin_actions(
    daemon: Daemon, receiver: Receiver, tmp_path: Path
) -> None:
    from segtui.models import Role, RoleGrant

    owner_token = daemon.owner_token  # type: ignore[attr-defined]
    async with admin_client(daemon.address, owner_token) as owner:
        sources = await owner.list_sources()
        await owner.create_destination(
            "Hook", "webhook", [s.id for s in sources], {"urls": [receiver.url]}
        )
        invite = (
            await owner.create_invites(["reader@example.com"], [RoleGrant(Role.SOURCE_READ_ONLY)])
        )[0]
        reader_token = (await owner.accept_invite(invite.token)).token
    app = make_app(daemon.address, reader_token)
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.connection == "connected" and app.me is not None)
        await app.goto("destinations")
        screen = app.screen
        assert isinstance(screen, DestinationsScreen)
        table = screen.query_one("#destinations-table", DataTable)
        await until(pilot, lambda: table.row_count == 1)
        assert screen.check_action("add", ()) is None
        assert "needs Source Admin" in text(screen.query_one("#destinations-note", Static))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DestinationPageScreen))
        page = app.screen
        assert page.check_action("replay", ()) is None
        await pilot.press("t")
        await until(pilot, lambda: "Read-only" in text(page.query_one("#destination-note", Static)))
        assert page.query_one("#save-settings").disabled and page.query_one("#delete").disabled
        assert page.query_one("#destination-settings", SettingsForm).disabled


@run_async
async def test_a_warehouse_page_shows_what_each_sync_loaded(fast_daemon: Daemon) -> None:
    daemon = fast_daemon
    async with admin_client(daemon.address, daemon.owner_token) as owner:  # type: ignore[attr-defined]
        sources = await owner.list_sources()
        quick_sync = {"batch_max_wait_seconds": 0.2, "batch_size": 500}
        await owner.create_destination("Warehouse", "warehouse", [sources[0].id], quick_sync)
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("destinations")
        table = app.screen.query_one("#destinations-table", DataTable)
        await until(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DestinationPageScreen))
        page = app.screen
        await pilot.press("w")
        summary = page.query_one("#warehouse-summary", Static)
        await until(pilot, lambda: "Last sync never" in text(summary))

        send(
            daemon.address,
            daemon.write_key,  # type: ignore[attr-defined]
            track("u1", "Order Completed"),
            track("u2", "Order Completed"),
            track("u1", "Product Viewed"),
        )
        # The tab refreshes by itself while it is shown.
        await until(pilot, lambda: "Events loaded 3" in text(summary), seconds=20)
        assert "Discarded 0" in text(summary) and "Last sync never" not in text(summary)
        tables = page.query_one("#warehouse-tables", DataTable)
        rows = {str(row[0]): str(row[1]) for row in map(tables.get_row_at, range(tables.row_count))}
        assert rows["test_source.tracks"] == "3"
        assert rows["test_source.order_completed"] == "2"
        assert rows["test_source.product_viewed"] == "1"


@run_async
async def test_warehouse_roles_see_warehouses_and_a_warehouse_admin_edits_them(
    fast_daemon: Daemon,
) -> None:
    from segtui.models import Role, RoleGrant

    daemon = fast_daemon
    async with admin_client(daemon.address, daemon.owner_token) as owner:  # type: ignore[attr-defined]
        sources = await owner.list_sources()
        quick_sync = {"batch_max_wait_seconds": 0.2, "batch_size": 500}
        await owner.create_destination("Warehouse", "warehouse", [sources[0].id], quick_sync)
        hook = {"urls": ["http://127.0.0.1:9/"]}
        await owner.create_destination("Hook", "webhook", [sources[0].id], hook, False)
        tokens = {}
        for role in (Role.WAREHOUSE_READ_ONLY, Role.WAREHOUSE_ADMIN):
            invite = await owner.create_invites([f"{role.value}@example.com"], [RoleGrant(role)])
            tokens[role] = (await owner.accept_invite(invite[0].token)).token
    send(daemon.address, daemon.write_key, track("u1", "Order Completed"))  # type: ignore[attr-defined]

    async def open_warehouse(app: SegtuiApp, pilot: Pilot[None]) -> DestinationPageScreen:
        await until(pilot, lambda: app.connection == "connected" and app.me is not None)
        await app.goto("destinations")
        table = app.screen.query_one("#destinations-table", DataTable)
        # The warehouse, and not the webhook beside it.
        await until(pilot, lambda: table.row_count == 1)
        assert table.get_row_at(0)[0] == "Warehouse"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DestinationPageScreen))
        page = app.screen
        assert isinstance(page, DestinationPageScreen)
        await pilot.press("w")
        summary = page.query_one("#warehouse-summary", Static)
        await until(pilot, lambda: "Events loaded 1" in text(summary), seconds=20)
        await pilot.press("t")
        await until(pilot, lambda: page.kind is not None)
        return page

    reader = make_app(daemon.address, tokens[Role.WAREHOUSE_READ_ONLY])
    async with reader.run_test(size=(100, 32)) as pilot:
        page = await open_warehouse(reader, pilot)
        note = page.query_one("#destination-note", Static)
        await until(pilot, lambda: "needs Warehouse Admin" in text(note))
        assert page.query_one("#save-settings").disabled
        await pilot.press("escape")
        assert reader.screen.check_action("add", ()) is None

    admin = make_app(daemon.address, tokens[Role.WAREHOUSE_ADMIN])
    async with admin.run_test(size=(100, 32)) as pilot:
        page = await open_warehouse(admin, pilot)
        await until(pilot, lambda: not page.query_one("#save-settings").disabled)
        assert text(page.query_one("#destination-note", Static)) == ""
        page.query_one("#destination-rename", Input).value = "Lake"
        page.query_one("#rename", Button).press()
        await until(pilot, lambda: page.destination.name == "Lake")
        # Its sources are their Source Admins' to connect: it sees none, and saving the
        # (empty) list leaves them connected without asking segd to disconnect them.
        page.query_one("#save-sources", Button).press()
        await pilot.pause(0.5)
        assert text(page.query_one("#settings-error", Static)) == ""
        assert page.destination.source_ids == (sources[0].id,)
        await pilot.press("escape")
        # It may add a warehouse, and only that.
        await pilot.press("a")
        await until(
            pilot, lambda: isinstance(admin.screen, AddDestinationScreen) and admin.screen.types
        )
        catalog = admin.screen.query_one("#destination-catalog", OptionList)
        shown = [catalog.get_option_at_index(i).id for i in range(catalog.option_count)]
        assert shown == ["category:Warehouse", "warehouse"]
