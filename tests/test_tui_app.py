"""segtui driven by Textual's Pilot against a real segd on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import socket
import sys
import time
import tomllib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path

import grpc
import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, SelectionList, Static, TabbedContent

from segd.api.v1 import collector_pb2, collector_pb2_grpc, event_pb2
from segtui import cli
from segtui.app import SegtuiApp
from segtui.client import AdminClient
from segtui.models import Role
from segtui.screens.debugger import EventDetailScreen
from segtui.screens.dialogs import ConfirmScreen, SecretScreen
from segtui.screens.help import HelpScreen
from segtui.screens.members import EditMemberScreen, InviteScreen, MembersScreen
from segtui.screens.refused import TokenRefusedScreen
from segtui.screens.source_page import SourcePageScreen
from segtui.screens.sources import AddSourceScreen, SourcesScreen
from segtui.settings import ConnectionSettings
from segtui.widgets.event_list import EventList
from tests.support.daemon import Daemon, track


def run_async(test: Callable[..., Coroutine[object, object, None]]) -> Callable[..., None]:
    """Run an async test body on a fresh event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


@contextlib.asynccontextmanager
async def admin_client(address: str, token: str) -> AsyncIterator[AdminClient]:
    """An Admin API client for setting the scene (the UI is what is under test)."""
    client = AdminClient(ConnectionSettings(addr=address, token=token))
    try:
        yield client
    finally:
        await client.close()


def make_app(address: str, token: str, heartbeat: float = 5.0) -> SegtuiApp:
    return SegtuiApp(
        AdminClient(ConnectionSettings(addr=address, token=token)), heartbeat=heartbeat
    )


async def until(pilot: Pilot[None], check: Callable[[], object], seconds: float = 10.0) -> None:
    """Let the app run until `check()` is true; fail after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"not reached in {seconds}s: {inspect.getsource(check).strip()}")


def text(widget: Static) -> str:
    return str(widget.render())


def send(address: str, write_key: str, *events: event_pb2.Event) -> None:
    with grpc.insecure_channel(address) as channel:
        reply = collector_pb2_grpc.CollectorStub(channel).SendBatch(
            collector_pb2.SendBatchRequest(write_key=write_key, events=list(events)), timeout=10
        )
    assert all(o == collector_pb2.OUTCOME_ACCEPTED for o in reply.outcomes), reply


def choose(options: OptionList, option_id: str) -> None:
    options.highlighted = options.get_option_index(option_id)


@run_async
async def test_add_a_source_send_events_see_them_in_the_debugger_pretty_and_raw(
    daemon: Daemon,
) -> None:
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("sources")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddSourceScreen) and app.screen.types)
        catalog = app.screen.query_one("#catalog", OptionList)
        choose(catalog, "python")
        await pilot.press("enter")
        await pilot.press(*"Checkout service")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query_one("#steps").current == "step-done")
        key_line = text(app.screen.query_one("#created-key", Static))
        write_key = key_line.removeprefix("Write key: ").strip()
        assert len(write_key) >= 40
        assert write_key in text(app.screen.query_one("#snippet", Static))
        await pilot.click("#open")
        await until(pilot, lambda: isinstance(app.screen, SourcePageScreen))
        assert app.screen.source.name == "Checkout service"

        await pilot.press("d")
        events = app.screen.query_one("#events", EventList)
        send(
            daemon.address,
            write_key,
            track("u1", "Order Completed", properties='{"revenue": 42}'),
            event_pb2.Event(
                type=event_pb2.EVENT_TYPE_IDENTIFY, user_id="u1", traits='{"plan": "pro"}'
            ),
            track("u2", "Signed Up"),
        )
        await until(pilot, lambda: len(events.events) == 3)
        assert [e.type for e in events.events] == ["track", "identify", "track"]
        assert events.has_focus

        events.cursor = 2
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EventDetailScreen))
        shown = text(app.screen.query_one("#pretty-view", Static))
        assert "// userId u1" in shown
        assert 'analytics.track("Order Completed", {' in shown and '"revenue": 42' in shown
        await pilot.press("v")
        assert app.screen.query_one("#event-views", TabbedContent).active == "raw"
        raw = text(app.screen.query_one("#raw-view", Static))
        assert '"messageId"' in raw and '"receivedAt"' in raw and '"revenue": 42' in raw
        await pilot.press("p")  # the newer neighbour: the identify call
        assert 'analytics.identify("u1", {' in text(app.screen.query_one("#pretty-view", Static))
        assert '"plan": "pro"' in text(app.screen.query_one("#raw-view", Static))
        await pilot.press("escape")

        # Pause holds new events back; the filter narrows the list.
        await pilot.press("space")
        send(daemon.address, write_key, track("u3", "Cart Viewed"))
        await pilot.pause(0.6)
        assert len(events.events) == 3
        await pilot.press("space")
        await until(pilot, lambda: len(events.events) == 4)
        await pilot.press("slash", *"signed")
        await until(pilot, lambda: [e.name for e in events.events] == ["Signed Up"])


@run_async
async def test_invite_accept_and_a_read_only_member_sees_no_admin_actions(
    daemon: Daemon, tmp_path: Path
) -> None:
    owner = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with owner.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: owner.connection == "connected")
        await owner.goto("members")
        members = owner.screen
        assert isinstance(members, MembersScreen)
        await until(pilot, lambda: members.roles)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(owner.screen, InviteScreen))
        await pilot.press(*"reader@example.com, not-an-email")
        await pilot.press("enter")
        error = owner.screen.query_one("#emails-error", Static)
        assert "not-an-email" in text(error)
        await pilot.pause()
        assert error.region.height > 0  # on screen
        emails = owner.screen.query_one("#invite-emails", Input)
        emails.value = "reader@example.com, second@example.com"
        owner.screen.query_one("#invite-roles", SelectionList).select(Role.SOURCE_READ_ONLY)
        await pilot.click("#send")
        await until(pilot, lambda: isinstance(owner.screen, SecretScreen))
        body = owner.screen.body
        tokens = [
            line.split("--accept-invite ")[1]
            for line in body.splitlines()
            if "--accept-invite" in line
        ]
        assert len(tokens) == 2
        await pilot.press("escape")
        invites = members.query_one("#invites-table", DataTable)
        await until(pilot, lambda: invites.row_count == 2)

    config = tmp_path / "config.toml"
    args = ["--addr", daemon.address, "--config", str(config)]
    assert await asyncio.to_thread(cli.main, [*args, "--accept-invite", tokens[0]]) == 0
    saved = tomllib.loads(config.read_text())
    assert saved["addr"] == daemon.address and saved["token"]
    # An invite works once.
    assert await asyncio.to_thread(cli.main, [*args, "--accept-invite", tokens[0]]) == 1

    reader = make_app(daemon.address, saved["token"])
    async with reader.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: reader.connection == "connected" and reader.me is not None)
        assert reader.me.email == "reader@example.com"
        await reader.goto("sources")
        sources = reader.screen
        assert isinstance(sources, SourcesScreen)
        await until(pilot, lambda: sources.sources)
        assert "needs Source Admin" in text(sources.query_one("#sources-note", Static))
        assert sources.check_action("add", ()) is None  # shown dimmed, not offered
        await pilot.press("a")
        assert not isinstance(reader.screen, AddSourceScreen)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(reader.screen, SourcePageScreen))
        page = reader.screen
        await until(pilot, lambda: "Read-only" in text(page.query_one("#settings-note", Static)))
        assert all(
            page.query_one(w).disabled for w in ("#rename", "#enabled", "#rotate", "#delete")
        )
        assert "hidden" in text(page.query_one("#overview-key", Static))
        await pilot.press("escape")
        await reader.goto("members")
        note = reader.screen.query_one("#members-note", Static)
        await until(pilot, lambda: "Only Workspace Owners" in text(note))
        assert "Source Read-only" in text(note)
        assert not reader.screen.query_one("#members-table", DataTable).display


@run_async
async def test_a_wrong_token_is_a_clear_message(daemon: Daemon) -> None:
    app = make_app(daemon.address, "not-a-token")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenRefusedScreen))
        assert app.connection == "refused"
        shown = "\n".join(text(s) for s in app.screen.query(Static))
        assert "did not accept your token" in shown and "--accept-invite" in shown


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@run_async
async def test_a_restarted_daemon_is_shown_disconnected_then_reconnected(
    workspace: tuple[Path, str, str],
) -> None:
    data_dir, token, write_key = workspace
    port = free_port()
    daemon = Daemon(data_dir, extra_args=("--grpc", f"127.0.0.1:{port}")).start()
    try:
        app = make_app(daemon.address, token, heartbeat=0.3)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.connection == "connected")
            await app.goto("sources", "debugger")
            await until(pilot, lambda: isinstance(app.screen, SourcePageScreen))
            events = app.screen.query_one("#events", EventList)
            send(daemon.address, write_key, track("before", "Restart Tested"))
            await until(pilot, lambda: len(events.events) == 1)
            await asyncio.to_thread(daemon.stop)
            await until(pilot, lambda: app.connection == "disconnected")
            assert "disconnected" in text(app.screen.query_one("#connection", Static))
            await asyncio.to_thread(daemon.start)
            await until(pilot, lambda: app.connection == "connected", seconds=15)
            # The debugger subscribed again by itself and lists nothing twice.
            send(daemon.address, write_key, track("after", "Restart Tested"))
            await until(pilot, lambda: [e.user_id for e in events.events] == ["after", "before"])
    finally:
        daemon.kill()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--addr", "nohost"], 2, "'nohost' is not HOST:PORT"),
        (["--addr", "127.0.0.1:1"], 2, "no token"),
        (
            ["--addr", "127.0.0.1:1", "--token", "t", "--ca", "/no/such.pem"],
            2,
            "--ca /no/such.pem: no such file",
        ),
        (
            ["--addr", "127.0.0.1:1", "--token", "t", "--cert", "/no/such.pem"],
            2,
            "--cert /no/such.pem: no such file",
        ),
        (
            ["--addr", "127.0.0.1:1", "--accept-invite", "x"],
            1,
            "the invite was not accepted: segd at 127.0.0.1:1 is not answering",
        ),
    ],
)
def test_cli_errors_are_clear(args, code, message, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("SEGTUI_TOKEN", raising=False)
    monkeypatch.delenv("SEGTUI_ADDR", raising=False)
    assert cli.main([*args, "--config", str(tmp_path / "none.toml")]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_bad_invite_token_is_refused_clearly(daemon: Daemon, tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    assert (
        cli.main(["--addr", daemon.address, "--config", str(config), "--accept-invite", "bogus"])
        == 1
    )
    assert "the invite was not accepted" in capsys.readouterr().err
    assert not config.exists()


FLOOD = """
import sys, grpc
from segd.api.v1 import collector_pb2, collector_pb2_grpc
from tests.support.daemon import track
batch = [track(f"u{n % 50}", "Product Viewed") for n in range(500)]
with grpc.insecure_channel(sys.argv[1]) as channel:
    stub = collector_pb2_grpc.CollectorStub(channel)
    for _ in range(20):
        stub.SendBatch(collector_pb2.SendBatchRequest(write_key=sys.argv[2], events=batch), timeout=30)
"""


@run_async
async def test_the_debugger_stays_responsive_under_a_flood_of_events(daemon: Daemon) -> None:
    """10,000 events in a burst: the UI loop never stalls, keys work, the list stays bounded.

    Responsiveness is measured as the event loop's lag (how long a key would wait to be
    handled) spent working on the UI thread, sampled every 10 ms while events stream in.
    """
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("sources", "debugger")
        await until(pilot, lambda: isinstance(app.screen, SourcePageScreen))
        events = app.screen.query_one("#events", EventList)
        feed = events.feed
        loop = asyncio.get_running_loop()
        lags: list[float] = []

        async def sample() -> None:
            # The UI thread's own CPU time bounds each lag: on a busy machine the process
            # may simply not be scheduled, which no code of segtui's can help.
            while True:
                started, cpu = loop.time(), time.thread_time()
                await asyncio.sleep(0.01)
                lags.append(min(loop.time() - started - 0.01, time.thread_time() - cpu))

        # The stream is live once it has shown an event: one sent before it subscribed
        # would be in its backlog, taken in the same step as subscribing. Without this the
        # flood could start first, and its first batch would reach the list only in part.
        send(daemon.address, daemon.write_key, track("u0", "Debugger Opened"))  # type: ignore[attr-defined]
        await until(pilot, lambda: feed.received == 1)
        sampler = asyncio.create_task(sample())
        # Another process sends, as a real service would: its work is not segtui's.
        sender = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            FLOOD,
            daemon.address,
            daemon.write_key,  # type: ignore[attr-defined]
        )
        await until(pilot, lambda: feed.received > 1, seconds=20)
        await pilot.press("space")
        assert feed.paused
        await pilot.press("space")
        assert not feed.paused
        assert await sender.wait() == 0
        # Every event is either listed or counted as skipped by segd (its buffer is bounded).
        await until(pilot, lambda: feed.received + feed.skipped >= 1 + 10_000, seconds=20)
        sampler.cancel()
        assert len(events.events) <= feed.capacity
        # A guard against blocking the UI thread (a network call or an unbounded redraw
        # would hold it for seconds), not a speed target: those live in bench/.
        assert max(lags) < 2.0, f"the UI stalled for {max(lags):.2f}s"


@run_async
async def test_source_settings_rename_disable_rotate_and_delete(daemon: Daemon) -> None:
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    old_key = daemon.write_key  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("sources")
        sources = app.screen
        assert isinstance(sources, SourcesScreen)
        await until(pilot, lambda: sources.sources)
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, SourcePageScreen) and app.screen.write_keys
        )
        page = app.screen
        assert isinstance(page, SourcePageScreen)
        assert old_key in text(page.query_one("#overview-key", Static))
        await pilot.press("t")

        page.query_one("#rename-input", Input).value = "Renamed source"
        await pilot.click("#rename")
        await until(pilot, lambda: page.source.name == "Renamed source")

        await pilot.click("#enabled")
        await until(pilot, lambda: not page.source.enabled)
        with grpc.insecure_channel(daemon.address) as channel:
            stub = collector_pb2_grpc.CollectorStub(channel)
            request = collector_pb2.SendRequest(write_key=old_key, event=track())
            with pytest.raises(grpc.RpcError) as refused:
                stub.Send(request, timeout=10)
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        await pilot.click("#enabled")
        await until(pilot, lambda: page.source.enabled)

        await pilot.click("#rotate")  # the old key keeps working for 24 hours by default
        await until(pilot, lambda: page.write_keys and page.write_keys.write_key != old_key)
        new_key = page.write_keys.write_key
        send(daemon.address, new_key, track())
        send(daemon.address, old_key, track())
        await until(pilot, lambda: "retired" in text(page.query_one("#overview-key", Static)))

        await pilot.click("#delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")  # changed my mind: nothing happens
        assert app.screen is page
        await pilot.click("#delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm")
        await until(pilot, lambda: app.screen is sources and not sources.sources)
        assert "No sources yet" in text(sources.query_one("#sources-note", Static))


@run_async
async def test_search_stored_events_then_back_to_live(daemon: Daemon) -> None:
    send(
        daemon.address,
        daemon.write_key,
        track("alice", "Order Completed"),
        track("bob", "Order Completed"),
    )  # type: ignore[attr-defined]
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("sources", "debugger")
        await until(pilot, lambda: isinstance(app.screen, SourcePageScreen))
        events = app.screen.query_one("#events", EventList)
        await until(pilot, lambda: len(events.events) == 2)
        await pilot.press("S")
        await pilot.press(*"alice", "enter")
        await until(pilot, lambda: [e.user_id for e in events.events] == ["alice"])
        assert events.events[0].from_log
        assert "search “alice”: 1 found" in text(app.screen.query_one("#feed-status", Static))
        await pilot.press("escape")
        await until(pilot, lambda: len(events.events) == 2)


@run_async
async def test_members_change_roles_remove_and_revoke(daemon: Daemon) -> None:
    owner_token = daemon.owner_token  # type: ignore[attr-defined]
    async with admin_client(daemon.address, owner_token) as client:
        created = await client.create_invites(["ada@example.com", "bob@example.com"], [])
        await client.accept_invite(created[0].token)
    app = make_app(daemon.address, owner_token)
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        await app.goto("members")
        screen = app.screen
        assert isinstance(screen, MembersScreen)
        table = screen.query_one("#members-table", DataTable)
        await until(pilot, lambda: table.row_count == 2 and screen.roles)
        table.focus()
        table.move_cursor(row=[m.email for m in screen.members].index("ada@example.com"))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditMemberScreen))
        app.screen.query_one("#edit-roles", SelectionList).select(Role.SOURCE_ADMIN)
        await pilot.click("#save")
        await until(pilot, lambda: app.screen is screen)
        await until(
            pilot,
            lambda: (
                "Source Admin"
                in str(
                    table.get_row(
                        str(next(m.id for m in screen.members if m.email == "ada@example.com"))
                    )
                )
            ),
        )

        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "ada@example.com" in text(app.screen.query_one(".dialog-body", Static))
        await pilot.click("#confirm")
        await until(pilot, lambda: table.row_count == 1)

        invites = screen.query_one("#invites-table", DataTable)
        assert invites.row_count == 1
        invites.focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm")
        await until(pilot, lambda: invites.row_count == 0)
    assert (
        await asyncio.to_thread(
            cli.main,
            [
                "--addr",
                daemon.address,
                "--config",
                "/nonexistent/x.toml",
                "--accept-invite",
                created[1].token,
            ],
        )
        == 1
    )


@run_async
async def test_getting_started_palette_and_help_lead_to_the_right_screens(daemon: Daemon) -> None:
    app = make_app(daemon.address, daemon.owner_token)  # type: ignore[attr-defined]
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.connection == "connected")
        checklist = app.screen.query_one("#checklist", OptionList)
        await until(pilot, lambda: checklist.option_count > 0)
        choose(checklist, "invite_teammates")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InviteScreen))
        await pilot.press("escape")
        await app.goto("start")
        checklist = app.screen.query_one("#checklist", OptionList)
        choose(checklist, "add_source")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AddSourceScreen))
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.press(*"open test source")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, CommandPalette)
                and app.screen.query(".option-list--option-highlighted, OptionList")
            ),
        )
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SourcePageScreen))
        assert app.screen.source.name == "Test Source"

        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = text(app.screen.query_one("#help-keys", Static))
        assert "Debugger" in keys and "Back" in keys


@run_async
async def test_a_daemon_that_is_down_at_start_shows_disconnected() -> None:
    app = make_app(f"127.0.0.1:{free_port()}", "any-token")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.connection == "disconnected")
        bar = text(app.screen.query_one("#connection", Static))
        assert "disconnected, retrying" in bar
        await app.goto("sources")  # every section still opens, empty, without an error
        await pilot.pause(0.5)
        assert isinstance(app.screen, SourcesScreen) and app.connection == "disconnected"
