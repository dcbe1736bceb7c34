"""Delivery end to end: a real daemon, real webhook receivers on 127.0.0.1."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from segd.destinations.webhook import sign
from tests.support.daemon import Daemon, segd_command
from tests.support.delivery import add_webhook, dead_letters, eventually, fast_config, query, send
from tests.support.receiver import Receiver

Workspace = tuple[Path, str, str]
StartDaemon = Callable[..., Daemon]


@pytest.fixture
def receivers() -> Iterator[Callable[[], Receiver]]:
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver().start())
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def start_daemon(workspace: Workspace, tmp_path: Path) -> Iterator[StartDaemon]:
    """Start the daemon of `workspace` with fast retry timings (overridable)."""
    started: list[Daemon] = []

    def start(**router: float) -> Daemon:
        data_dir, _, write_key = workspace
        config = fast_config(tmp_path / f"segd-{len(started)}.toml", **router)
        daemon = Daemon(data_dir, config=config).start()
        daemon.write_key = write_key  # type: ignore[attr-defined]
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


def assert_all_settled(data_dir: Path, destination: str) -> None:
    """Every retry has been delivered (the retry table empties) and none went dead."""
    eventually(
        lambda: query(data_dir, "SELECT count(*) FROM delivery_retries")[0][0] == 0,
        what="the retry table empties",
    )
    assert dead_letters(data_dir, destination) == []


def test_events_arrive_with_their_json_and_a_signature_that_verifies(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    add_webhook(data_dir, "hook", receiver.url, shared_secret="s3cret", headers={"X-Team": "a"})
    daemon = start_daemon()
    properties = {"total": 120.5, "currency": "EUR", "items": [{"sku": "a"}]}
    ids = send(daemon, [f"sig-{i}" for i in range(5)], properties=json.dumps(properties))
    receiver.wait_for_ids(set(ids))

    for request in receiver.accepted:
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Team"] == "a"
        expected = sign("s3cret", request.body)
        assert hmac.compare_digest(request.headers["X-Signature"], expected)
    event = next(e for e in receiver.events() if e["messageId"] == "sig-0")
    assert event["type"] == "track" and event["event"] == "Order Completed"
    assert event["userId"] == "user-1" and event["properties"] == properties
    assert event["receivedAt"].endswith("Z") and "timestamp" in event

    eventually(lambda: "delivered: 5 " in status(data_dir, "hook"), what="status shows delivered")
    shown = status(data_dir, "hook")
    assert "retrying: 0  dead: 0" in shown and "p50" in shown and "p50 -" not in shown


def status(data_dir: Path, name: str) -> str:
    return segd_command("destination", "status", name, data_dir=data_dir)


OUTAGES: dict[str, Callable[[Receiver], None]] = {
    "http-500": lambda r: r.fail(500),
    "http-429-retry-after": lambda r: r.fail(429, "1"),
    "connection-refused": lambda r: r.refuse(),
    "hang-past-timeout": lambda r: r.hang(30),
}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_outage_then_recovery_loses_nothing_and_spares_other_destinations(
    outage: str,
    workspace: Workspace,
    start_daemon: StartDaemon,
    receivers: Callable[[], Receiver],
) -> None:
    data_dir = workspace[0]
    flaky, healthy = receivers(), receivers()
    add_webhook(data_dir, "flaky", flaky.url, timeout_seconds=0.3)
    add_webhook(data_dir, "healthy", healthy.url)
    daemon = start_daemon()
    OUTAGES[outage](flaky)

    sent: set[str] = set()
    for wave in range(4):
        ids = send(daemon, [f"{outage}-{wave}-{i}" for i in range(25)])
        sent.update(ids)
        started = time.monotonic()
        healthy.wait_for_ids(set(ids), timeout=5)
        assert time.monotonic() - started < 2.0, "the healthy destination was held up"
        time.sleep(0.3)
    assert not (sent & flaky.message_ids()), "the outage let events through"
    if outage != "connection-refused":
        assert flaky.attempts > 0

    if outage == "connection-refused":
        flaky.accept()
    else:
        flaky.ok()
    flaky.wait_for_ids(sent, timeout=20)
    assert healthy.message_ids() == sent
    assert_all_settled(data_dir, "flaky")


def test_a_send_hung_past_the_plugins_timeout_is_cut_off_and_retried(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    # The webhook itself would wait 30 s: only the router's bound can end these sends.
    add_webhook(data_dir, "stuck", receiver.url, timeout_seconds=30)
    receiver.hang(60)
    daemon = start_daemon(send_timeout_seconds=0.5)
    ids = set(send(daemon, [f"stuck-{i}" for i in range(5)]))

    timed_out = daemon.wait_for_log("destination.plugin_timed_out")
    assert timed_out["destination"] == "stuck" and timed_out["timeout_seconds"] == 0.5
    assert 1 <= int(str(timed_out["batch_size"])) <= 5
    eventually(lambda: "retrying: 5 " in status(data_dir, "stuck"), what="5 events retrying")
    assert "retryable: the webhook plugin did not answer within 0.5 s" in status(data_dir, "stuck")
    # Each cut-off send frees its slot: the same events are tried again while it hangs.
    receiver.wait_for(lambda r: r.attempts > len(ids), timeout=10)
    assert not receiver.message_ids()

    receiver.ok()
    receiver.wait_for_ids(ids)
    assert_all_settled(data_dir, "stuck")


def test_shutdown_still_cancels_a_send_inside_the_router_timeout(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    add_webhook(data_dir, "stuck", receiver.url, timeout_seconds=30)
    receiver.hang(60)
    daemon = start_daemon(send_timeout_seconds=60, drain_seconds=0.5)
    send(daemon, ["drain-1"])
    receiver.wait_for(lambda r: r.attempts >= 1)

    started = time.monotonic()
    assert daemon.stop(timeout=15) == 0
    assert time.monotonic() - started < 10, "the hung send held up shutdown"
    drained = daemon.wait_for_log("destination.drain_timeout")
    assert drained["unfinished_batches"] == 1
    # Cancelled, not failed: the batch is neither retried nor blamed on the plugin.
    events = {entry.get("event") for entry in list(daemon.logs)}
    assert not events & {"destination.plugin_timed_out", "destination.plugin_raised"}


def test_a_400_dead_letters_after_one_attempt_and_replay_delivers(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    add_webhook(data_dir, "strict", receiver.url)
    receiver.fail(400)
    daemon = start_daemon()
    ids = send(daemon, ["bad-1", "bad-2", "bad-3"])
    eventually(lambda: len(dead_letters(data_dir, "strict")) == 3, what="3 dead letters")
    time.sleep(0.5)
    assert receiver.attempts == 3, "a permanent failure is never retried"
    for message_id, attempts, error, request, response in dead_letters(data_dir, "strict"):
        assert attempts == 1 and error == f"HTTP 400 from {receiver.url}"
        assert request.startswith(f"POST {receiver.url}") and message_id in request
        assert response.startswith("HTTP 400") and "failing on purpose" in response
    shown = status(data_dir, "strict")
    assert "dead: 3" in shown and "permanent: HTTP 400" in shown

    receiver.ok()
    listing = segd_command("destination", "dead-letters", "strict", data_dir=data_dir)
    first_id = listing.splitlines()[-1].split("\t")[0]
    out = segd_command("destination", "replay", "strict", "--id", first_id, data_dir=data_dir)
    assert out.startswith("1 dead letters queued")
    eventually(lambda: len(receiver.message_ids()) == 1, what="one replayed event arrives")
    out = segd_command("destination", "replay", "strict", data_dir=data_dir)
    assert out.startswith("2 dead letters queued")
    receiver.wait_for_ids(set(ids))
    eventually(lambda: "dead: 0" in status(data_dir, "strict"), what="no dead letters left")


def test_an_expired_retry_window_dead_letters(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    add_webhook(data_dir, "down", receiver.url)
    receiver.fail(503)
    daemon = start_daemon(retry_window_seconds=1.5)
    send(daemon, ["late-1", "late-2"])
    eventually(lambda: len(dead_letters(data_dir, "down")) == 2, what="2 dead letters")
    for _, attempts, error, _, response in dead_letters(data_dir, "down"):
        assert attempts > 1
        assert error.startswith(f"retry window expired after {attempts} attempts; last error:")
        assert response.startswith("HTTP 503")
    assert query(data_dir, "SELECT count(*) FROM delivery_retries")[0][0] == 0


def test_sigkill_mid_delivery_then_restart_delivers_everything(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    receiver.delay = 0.01
    add_webhook(data_dir, "hook", receiver.url, max_connections=4)
    daemon = start_daemon()
    sent: set[str] = set()
    for batch in range(8):
        sent.update(send(daemon, [f"kill-{batch}-{i}" for i in range(250)]))
    receiver.wait_for(lambda r: len(r.events()) >= 200, timeout=15)
    daemon.kill()
    assert len(receiver.message_ids()) < len(sent), "the kill came too late to test anything"

    start_daemon()
    receiver.delay = 0.0
    receiver.wait_for_ids(sent, timeout=30)


def test_changes_reach_a_running_daemon(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    data_dir = workspace[0]
    receiver = receivers()
    daemon = start_daemon()
    add_webhook(data_dir, "late", receiver.url)
    daemon.wait_for_log("destination.started")
    send(daemon, ["c-1"])
    receiver.wait_for_ids({"c-1"})

    segd_command("destination", "disable", "late", data_dir=data_dir)
    eventually(lambda: _stopped(daemon), what="the worker stops")
    send(daemon, ["c-while-disabled"])
    segd_command("destination", "enable", "late", data_dir=data_dir)
    eventually(lambda: _started_count(daemon) == 2, what="the worker starts again")
    send(daemon, ["c-2"])
    receiver.wait_for_ids({"c-2"})
    assert "c-while-disabled" not in receiver.message_ids()

    segd_command(
        "destination", "filter-add", "late", "--kind", "drop", "--if", "event = 'Noise'",
        data_dir=data_dir,
    )  # fmt: skip
    segd_command(
        "destination", "filter-add", "late", "--kind", "drop_properties",
        "--fields", "properties.email", data_dir=data_dir,
    )  # fmt: skip
    eventually(lambda: _running_version(daemon, data_dir, "late"), what="a worker with the filters")
    props = json.dumps({"email": "a@b.c", "plan": "pro"})
    send(daemon, ["c-noise"], event="Noise")
    send(daemon, ["c-skip"], integrations=json.dumps({"All": False}))
    send(daemon, ["c-only"], integrations=json.dumps({"All": False, "Webhooks": True}))
    send(daemon, ["c-3"], properties=props)
    receiver.wait_for_ids({"c-only", "c-3"})
    time.sleep(0.3)
    assert not {"c-noise", "c-skip"} & receiver.message_ids()
    event = next(e for e in receiver.events() if e["messageId"] == "c-3")
    assert event["properties"] == {"plan": "pro"}
    eventually(lambda: "filtered: 2 " in status(data_dir, "late"), what="filtered counted")


def _started_count(daemon: Daemon) -> int:
    return sum(1 for entry in list(daemon.logs) if entry.get("event") == "destination.started")


def _running_version(daemon: Daemon, data_dir: Path, name: str) -> bool:
    """Has a worker started for the current version of destination `name`?"""
    version = query(data_dir, "SELECT version FROM destinations WHERE name = ?", name)[0][0]
    return any(
        entry.get("event") == "destination.started" and entry.get("version") == version
        for entry in list(daemon.logs)
    )


def _stopped(daemon: Daemon) -> bool:
    return any(entry.get("event") == "destination.stopped" for entry in list(daemon.logs))


def test_archive_destination_writes_gzip_ndjson(
    workspace: Workspace, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    import gzip

    data_dir = workspace[0]
    folder = tmp_path / "archive"
    settings: dict[str, Any] = {"directory": str(folder), "batch_max_wait_seconds": 0.1}
    segd_command(
        "destination", "add", "arch", "--type", "archive", "--source", "test_source",
        "--settings", json.dumps(settings), data_dir=data_dir,
    )  # fmt: skip
    daemon = start_daemon()
    ids = send(daemon, [f"a-{i}" for i in range(30)])

    def archived() -> set[str]:
        found = set()
        for path in folder.rglob("*.ndjson.gz"):
            with gzip.open(path, "rt") as file:
                found.update(json.loads(line)["messageId"] for line in file)
        return found

    eventually(lambda: set(ids) <= archived(), what="all events archived")
    assert [p.parent.name for p in folder.rglob("*.ndjson.gz")] == ["test_source"]


def test_a_broken_destination_is_logged_and_spares_the_others(
    workspace: Workspace, start_daemon: StartDaemon, receivers: Callable[[], Receiver]
) -> None:
    import sqlite3

    data_dir = workspace[0]
    receiver = receivers()
    add_webhook(data_dir, "good", receiver.url)
    add_webhook(data_dir, "gone", receiver.url)
    add_webhook(data_dir, "garbled", receiver.url)
    with sqlite3.connect(data_dir / "segd.db") as conn:
        # As if a plugin were uninstalled, and settings edited by hand into nonsense.
        conn.execute("UPDATE destinations SET type = 'uninstalled' WHERE name = 'gone'")
        conn.execute("UPDATE destinations SET settings = '{\"urls\": 5}' WHERE name = 'garbled'")
    daemon = start_daemon()
    send(daemon, ["b-1"])
    receiver.wait_for_ids({"b-1"})
    invalid = {
        str(e["destination"]): str(e["error"])
        for e in list(daemon.logs)
        if e.get("event") == "destination.invalid"
    }
    assert (
        "unknown destination type 'uninstalled'; installed: archive, warehouse, webhook"
        in invalid["gone"]
    )
    assert "urls" in invalid["garbled"]
    time.sleep(0.3)
    assert len(receiver.events()) == 1, "only the good destination delivers"
