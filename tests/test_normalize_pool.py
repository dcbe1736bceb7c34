"""Large batches (gRPC SendBatch, HTTP /v1/batch) are normalised by a worker process:
same answers, same log."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import event_pb2 as E
from tests.support.children import assert_exits, has_exited, log_entry
from tests.support.daemon import Daemon, stored_events, track
from tests.support.http import basic_auth, request
from tests.test_collector import send_batch

ACCEPTED, DUPLICATE, REJECTED = C.OUTCOME_ACCEPTED, C.OUTCOME_DUPLICATE, C.OUTCOME_REJECTED
NANOS = 1_000_000_000


def mixed_batch(prefix: str, size: int = 40) -> list[E.Event]:
    """Good events with every kind of bad one among them (more than the pool's minimum)."""
    now = time.time_ns()
    events = []
    for i in range(size):
        event = track(message_id=f"{prefix}-{i}", properties=f'{{"n":{i},"tags":["a"]}}')
        event.original_timestamp.FromNanoseconds(now - 5 * NANOS)
        event.sent_at.FromNanoseconds(now - 2 * NANOS)
        events.append(event)
    events[3].user_id = ""  # no identity
    events[7].properties = '{"x": NaN}'
    events[11].message_id = ""  # the server makes one
    events[12].CopyFrom(events[2])  # a duplicate within the batch
    events[20].properties = "[1]"
    events[25].sent_at.seconds = 253_402_300_800  # past year 9999
    return events


def comparable(event: dict[str, Any]) -> dict[str, Any]:
    """A stored event without what depends on when and where it was normalised."""
    return {k: v for k, v in event.items() if k not in ("receivedAt", "timestamp", "messageId")}


@pytest.fixture
def inline_daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A second daemon, with the same source, normalising every call itself."""
    from tests.support.daemon import init_workspace

    data_dir = tmp_path / "inline"
    _, write_key = init_workspace(data_dir)
    config = tmp_path / "inline.toml"
    config.write_text("[grpc]\nnormalize_workers = 0\n")
    running = Daemon(data_dir, config=config).start()
    running.write_key = write_key  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        running.kill()


def worker_pid(daemon: Daemon) -> int:
    return int(daemon.wait_for_log("normalize.worker_started")["pid"])  # type: ignore[call-overload]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_worker_answers_and_stores_a_batch_as_the_daemon_itself_does(
    daemon: Daemon, inline_daemon: Daemon
) -> None:
    worker_pid(daemon)  # up (the daemon starts it in the background)
    batch = mixed_batch("m")
    pooled = send_batch(daemon, batch)
    inline = send_batch(inline_daemon, batch)

    assert list(pooled.outcomes) == list(inline.outcomes)
    assert [(r.index, r.reason, r.message) for r in pooled.rejections] == [
        (r.index, r.reason, r.message) for r in inline.rejections
    ]
    assert [r.index for r in pooled.rejections] == [3, 7, 20, 25]
    assert pooled.outcomes[12] == DUPLICATE
    made = pooled.message_ids[11]
    assert uuid.UUID(made).version == 4
    assert [m for i, m in enumerate(pooled.message_ids) if i != 11] == [
        m for i, m in enumerate(inline.message_ids) if i != 11
    ]
    stored = stored_events(daemon.data_dir)
    assert [comparable(e) for e in stored] == [
        comparable(e) for e in stored_events(inline_daemon.data_dir)
    ]
    assert made in [e["messageId"] for e in stored]
    assert not [e for e in inline_daemon.logs if e.get("event") == "normalize.worker_started"]


def test_large_batches_are_normalised_in_the_worker(daemon: Daemon) -> None:
    pid = worker_pid(daemon)
    before = cpu_ticks(pid)
    for n in range(20):
        response = send_batch(daemon, [track(message_id=f"b{n}-{i}") for i in range(500)])
        assert set(response.outcomes) == {ACCEPTED}
    assert cpu_ticks(pid) > before
    assert len(stored_events(daemon.data_dir)) == 10_000


def post_batch(daemon: Daemon, calls: list[Any]) -> None:
    auth = basic_auth(daemon.write_key)  # type: ignore[attr-defined]
    reply = request(f"{daemon.http_url}/v1/batch", {"batch": calls}, auth)
    assert (reply.status, reply.json) == (200, {"success": True})


def rejections(daemon: Daemon) -> list[tuple[object, ...]]:
    return [
        (e["index"], e["reason"], e["message_id"])
        for e in daemon.logs
        if e.get("event") == "collector.event_rejected"
    ]


def test_an_http_batch_is_stored_by_the_worker_as_by_the_daemon_itself(
    daemon: Daemon, inline_daemon: Daemon
) -> None:
    pid = worker_pid(daemon)
    calls: list[Any] = [
        {"type": "track", "userId": f"u{i}", "event": "Viewed", "messageId": f"h-{i}",
         "properties": {"n": i}}
        for i in range(40)
    ]  # fmt: skip
    calls[2] = "not a call"  # no event at all: rejected before normalising
    calls[5]["traits"] = [1, 2]  # no object
    calls[9]["type"] = "purchase"  # no such type
    del calls[13]["userId"]  # no identity: rejected by normalising
    del calls[17]["messageId"]  # the server makes one
    calls[21]["timestamp"] = "yesterday"  # no time
    post_batch(daemon, calls)
    post_batch(inline_daemon, calls)
    stored = stored_events(daemon.data_dir)
    assert [comparable(e) for e in stored] == [
        comparable(e) for e in stored_events(inline_daemon.data_dir)
    ]
    expected = [
        (2, "not_an_object", ""),
        (5, "not_an_object", "h-5"),
        (9, "missing_type", "h-9"),
        (13, "missing_identity", "h-13"),
        (21, "invalid_timestamp", "h-21"),
    ]
    inline_daemon.wait_for_log("collector.event_rejected")
    assert rejections(inline_daemon) == expected
    assert rejections(daemon) == expected

    # Enough work for the worker's CPU time to show (it counts in 10 ms ticks).
    before = cpu_ticks(pid)
    for n in range(20):
        post_batch(daemon, [{**calls[0], "messageId": f"w{n}-{i}"} for i in range(500)])
    assert cpu_ticks(pid) > before
    assert len(stored_events(daemon.data_dir)) == len(stored) + 10_000


def test_a_killed_worker_is_replaced_and_no_batch_fails(daemon: Daemon) -> None:
    first = worker_pid(daemon)
    os.kill(first, signal.SIGKILL)
    # Meanwhile the daemon normalises large batches itself.
    for n in range(5):
        response = send_batch(daemon, [track(message_id=f"k{n}-{i}") for i in range(100)])
        assert set(response.outcomes) == {ACCEPTED}
    exited = log_entry(daemon, "normalize.worker_exited", lambda e: e["pid"] == first)
    assert exited["exit_code"] == -signal.SIGKILL
    second = int(
        log_entry(daemon, "normalize.worker_started", lambda e: e["pid"] != first)["pid"]  # type: ignore[call-overload]
    )
    before = cpu_ticks(second)
    for n in range(20):
        response = send_batch(daemon, [track(message_id=f"r{n}-{i}") for i in range(500)])
        assert set(response.outcomes) == {ACCEPTED}
    assert cpu_ticks(second) > before
    assert len(stored_events(daemon.data_dir)) == 500 + 10_000


def test_the_worker_exits_when_the_daemon_is_killed(daemon: Daemon) -> None:
    worker = worker_pid(daemon)
    daemon.kill()
    assert_exits(worker, "the normalising worker")


def test_the_worker_stops_with_the_daemon(daemon: Daemon) -> None:
    worker = worker_pid(daemon)
    assert daemon.stop() == 0
    assert has_exited(worker)
    assert not [e for e in daemon.logs if e.get("event") == "normalize.worker_killed"]
