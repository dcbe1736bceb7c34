"""Delivery through destinations made with the Admin API: a real daemon, a real webhook
receiver on 127.0.0.1, events sent to the collector; status, dead letters and replay
read and done through the API."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from segd.api.v1 import admin_pb2 as pb
from segd.destinations.webhook import sign
from tests.support.admin import AdminClient
from tests.support.daemon import Daemon
from tests.support.delivery import eventually, fast_config, send
from tests.support.receiver import Receiver

SECRET = "sig-key-4e1b"
HEADER = "team-value-93c2"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.close()


@pytest.fixture
def fast_daemon(workspace: tuple[Path, str, str], tmp_path: Path) -> Iterator[Daemon]:
    """A daemon with retry timings of a test (seconds, not hours), whose router would
    not reload by itself within a test: the API's changes must wake it."""
    data_dir, token, write_key = workspace
    config = fast_config(tmp_path / "segd.toml", reload_seconds=60)
    daemon = Daemon(data_dir, config=config).start()
    daemon.write_key = write_key  # type: ignore[attr-defined]
    daemon.owner_token = token  # type: ignore[attr-defined]
    yield daemon
    daemon.kill()


@pytest.fixture
def owner(fast_daemon: Daemon) -> Iterator[AdminClient]:
    with fast_daemon.channel() as channel:
        yield AdminClient(channel, fast_daemon.owner_token)  # type: ignore[attr-defined]


def webhook(owner: AdminClient, receiver: Receiver) -> pb.Destination:
    source = owner.ListSources().sources[0].id
    settings = {
        "urls": [receiver.url],
        "shared_secret": SECRET,
        "headers": {"X-Team": HEADER},
        "timeout_seconds": 2,
    }
    return owner.CreateDestination(
        name="hook", type="webhook", source_ids=[source], settings_json=json.dumps(settings)
    ).destination


def status(owner: AdminClient, destination: pb.Destination) -> pb.DeliveryStatus:
    return owner.GetDeliveryStatus(destination_id=destination.id).status


def logged_after(daemon: Daemon, start: int, event: str, **fields: object) -> None:
    """Wait (briefly: well within the router's 60 s period) for a log entry, after the
    first `start` entries, of `event` with `fields`."""
    eventually(
        lambda: any(
            entry.get("event") == event and all(entry.get(k) == v for k, v in fields.items())
            for entry in daemon.logs[start:]
        ),
        timeout=5,
        what=f"{event} {fields} in the daemon's log",
    )


def test_a_webhook_made_through_the_api_receives_events_and_reports_them(
    fast_daemon: Daemon, owner: AdminClient, receiver: Receiver
) -> None:
    destination = webhook(owner, receiver)
    # No waiting for the router's periodic reload: the API's change wakes it.
    ids = send(fast_daemon, [f"api-{i}" for i in range(6)])
    receiver.wait_for_ids(set(ids), timeout=10)
    for request in receiver.accepted:
        assert hmac.compare_digest(request.headers["X-Signature"], sign(SECRET, request.body))
        assert request.headers["X-Team"] == HEADER
    assert {e["event"] for e in receiver.events()} == {"Order Completed"}

    eventually(lambda: status(owner, destination).delivered == 6, what="6 delivered")
    shown = status(owner, destination)
    assert (shown.filtered, shown.retrying, shown.dead) == (0, 0, 0)
    assert shown.HasField("latency_p50_ms") and shown.HasField("latency_p95_ms")
    assert 0 < shown.latency_p50_ms <= shown.latency_p95_ms < 10_000
    assert shown.latency_window_minutes == 60 and shown.cursor >= 6
    assert not shown.recent_errors

    # A filter made through the API applies once the router has restarted the worker,
    # which it does at once.
    start = len(fast_daemon.logs)
    owner.CreateDestinationFilter(
        destination_id=destination.id,
        spec=pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="userId = 'skip-me'"),
    )
    version = owner.GetDestination(destination_id=destination.id).destination.version
    logged_after(fast_daemon, start, "destination.started", version=version)
    later = send(fast_daemon, ["kept-1"]) + send(fast_daemon, ["dropped-1"], user_id="skip-me")
    receiver.wait_for_ids({"kept-1"}, timeout=10)
    eventually(lambda: status(owner, destination).filtered == 1, what="1 filtered")
    assert "dropped-1" not in receiver.message_ids() and later[1] == "dropped-1"

    # Disabled, it gets nothing; enabled again, it starts from new events (like Segment).
    start = len(fast_daemon.logs)
    owner.SetDestinationEnabled(destination_id=destination.id, enabled=False)
    logged_after(fast_daemon, start, "destination.stopped", destination="hook")
    send(fast_daemon, ["while-disabled"])
    owner.SetDestinationEnabled(destination_id=destination.id, enabled=True)
    send(fast_daemon, ["after-enabling"])
    receiver.wait_for_ids({"after-enabling"}, timeout=10)
    assert "while-disabled" not in receiver.message_ids()


def test_dead_letters_are_listed_and_replayed_through_the_api(
    fast_daemon: Daemon, owner: AdminClient, receiver: Receiver
) -> None:
    destination = webhook(owner, receiver)
    receiver.fail(400)  # permanent: dead-lettered at once
    ids = send(fast_daemon, ["dead-1", "dead-2", "dead-3"])
    eventually(lambda: status(owner, destination).dead == 3, what="3 dead letters")

    shown = status(owner, destination)
    assert shown.delivered == 0 and shown.retrying == 0
    error = shown.recent_errors[0]
    assert not error.retryable and error.error == f"HTTP 400 from {receiver.url}"
    assert error.request_sample.startswith(f"POST {receiver.url}")
    assert "X-Signature: ********" in error.request_sample and SECRET not in error.request_sample
    assert error.response_sample.startswith("HTTP 400") and "failing on purpose" in (
        error.response_sample
    )

    # No secret in the delivery view: neither the shared secret nor a custom header's value.
    for reply in (
        owner.GetDeliveryStatus(destination_id=destination.id),
        owner.ListDeadLetters(destination_id=destination.id),
    ):
        data = reply.SerializeToString()
        assert SECRET.encode() not in data and HEADER.encode() not in data
    assert "X-Team: ********" in error.request_sample

    dead = owner.ListDeadLetters(destination_id=destination.id).dead_letters
    assert sorted(d.message_id for d in dead) == sorted(ids)
    first = next(d for d in dead if d.message_id == "dead-1")
    assert json.loads(first.body_json)["messageId"] == "dead-1"
    assert first.attempts == 1 and first.error.startswith("HTTP 400")
    assert first.response_sample.startswith("HTTP 400")
    assert first.HasField("failed_at") and first.HasField("received_at")
    assert len(owner.ListDeadLetters(destination_id=destination.id, limit=1).dead_letters) == 1

    receiver.ok()
    replayed = owner.ReplayDeadLetters(destination_id=destination.id, ids=[first.id])
    assert replayed.replayed == 1
    receiver.wait_for_ids({"dead-1"}, timeout=10)
    assert owner.ReplayDeadLetters(destination_id=destination.id).replayed == 2
    receiver.wait_for_ids(set(ids), timeout=10)
    eventually(lambda: status(owner, destination).delivered == 3, what="3 delivered")
    assert status(owner, destination).dead == 0
    assert not owner.ListDeadLetters(destination_id=destination.id).dead_letters
    # Replayed once, gone from the dead letters: a second replay finds nothing.
    assert owner.ReplayDeadLetters(destination_id=destination.id).replayed == 0
