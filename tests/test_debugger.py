"""The live debugger: the hub's buffers (in process), and streams from a real daemon."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import collector_pb2, event_pb2
from segd.debugger import (
    DebuggerHub,
    DebugItem,
    PublishedBatch,
    Skipped,
    Subscription,
    TailFilter,
)
from segd.normalize import Rejection
from tests.support.admin import AdminClient
from tests.support.daemon import Daemon, track
from tests.support.http import basic_auth, request

TRACK = event_pb2.EVENT_TYPE_TRACK
PAGE = event_pb2.EVENT_TYPE_PAGE


def item(n: int, kind: int = TRACK, name: str = "Order Completed") -> DebugItem:
    event = event_pb2.Event(type=kind, user_id="u", message_id=f"m{n}")
    raw = event.SerializeToString()
    return DebugItem(1, "accepted", kind, name, "u", "", f"m{n}", n, raw, raw)


class Items:
    """A ring segment of ready-made items."""

    def __init__(self, items: list[DebugItem]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[DebugItem]:
        return self._items


def ids(taken: list[DebugItem | Skipped]) -> list[str | int]:
    return [x.message_id if isinstance(x, DebugItem) else x.count for x in taken]


# ---- the hub, in process -------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "offered", "expected"),
    [
        (3, 2, ["m0", "m1"]),
        (3, 3, ["m0", "m1", "m2"]),
        # Full: the next events are counted, and the count closes the batch.
        (3, 10, ["m0", "m1", "m2", 7]),
        (1, 4, ["m0", 3]),
    ],
)
def test_subscription_counts_what_does_not_fit(
    capacity: int, offered: int, expected: list[str | int]
) -> None:
    async def run() -> list[DebugItem | Skipped]:
        subscription = Subscription(1, capacity, TailFilter())
        for n in range(offered):
            subscription.offer(item(n))
        return await subscription.take()

    assert ids(asyncio.run(run())) == expected


def test_a_skip_is_reported_where_the_gap_is() -> None:
    async def run() -> list[list[DebugItem | Skipped]]:
        subscription = Subscription(1, 2, TailFilter())
        for n in range(5):  # m0, m1 fit; m2..m4 do not
            subscription.offer(item(n))
        first = await subscription.take()
        for n in range(5, 7):
            subscription.offer(item(n))
        return [first, await subscription.take()]

    first, second = asyncio.run(run())
    assert ids(first) == ["m0", "m1", 3]
    assert ids(second) == ["m5", "m6"]


def test_a_skip_marker_comes_before_the_next_event_that_fits() -> None:
    async def run() -> list[DebugItem | Skipped]:
        subscription = Subscription(1, 2, TailFilter())
        for n in range(4):
            subscription.offer(item(n))
        subscription._items.popleft()  # the reader took one: room for one more
        subscription.offer(item(4))
        return await subscription.take()

    assert ids(asyncio.run(run())) == ["m1", 2, "m4"]


@pytest.mark.parametrize(
    ("wants", "expected"),
    [
        (TailFilter(), ["m0", "m1", "m2"]),
        (TailFilter(types=frozenset({PAGE})), ["m1"]),
        (TailFilter(names=frozenset({"Signed Up"})), ["m2"]),
        (TailFilter(types=frozenset({TRACK}), names=frozenset({"Home"})), []),
    ],
)
def test_filters_apply_before_the_buffer(wants: TailFilter, expected: list[str]) -> None:
    hub = DebuggerHub(ring_size=10, buffer_size=10)
    subscription = hub.subscribe(1, 0, wants)
    hub.publish(1, Items([item(0), item(1, PAGE, "Home"), item(2, TRACK, "Signed Up")]))
    hub.publish(2, Items([item(3)]))  # another source
    assert [i.message_id for i in subscription._items] == expected  # type: ignore[union-attr]


def test_the_ring_gives_new_streams_the_latest_events() -> None:
    hub = DebuggerHub(ring_size=3, buffer_size=10)
    for n in range(0, 6, 2):  # segments of two: m0 m1, m2 m3, m4 m5
        hub.publish(1, Items([item(n), item(n + 1)]))
    assert ids(list(hub.subscribe(1, 2, TailFilter())._items)) == ["m4", "m5"]
    assert ids(list(hub.subscribe(1, 10, TailFilter())._items)) == ["m3", "m4", "m5"]
    assert ids(list(hub.subscribe(1, 0, TailFilter())._items)) == []
    assert hub.subscribe(1, 3, TailFilter(names=frozenset({"Nothing"})))._items == deque()
    # The ring holds at least ring_size events, and at most one segment more.
    assert [len(s) for s in hub._rings[1]._segments] == [2, 2]


@pytest.mark.parametrize("start", [0, 1, 2, 3])
def test_a_published_batch_pairs_each_event_with_its_outcome(start: int) -> None:
    events = [event_pb2.Event(type=TRACK, event=f"E{n}", message_id=f"m{n}") for n in range(4)]
    raw = [e.SerializeToString() if n >= start else b"" for n, e in enumerate(events)]
    batch = PublishedBatch(
        1,
        events,
        raw,
        ["accepted", "rejected", "duplicate", "accepted"],
        {1: Rejection("missing_identity", "userId or anonymousId is required")},
        [b"stored-0", b"stored-2", b"stored-3"],  # what reached the writer: not m1
        received_at_ms=5,
        start=start,
    )
    made = batch.items()
    assert len(batch) == len(made) == 4 - start
    expected = [
        ("m0", "accepted", "", b"stored-0"),
        ("m1", "rejected", "missing_identity", events[1].SerializeToString()),
        ("m2", "duplicate", "", b"stored-2"),
        ("m3", "accepted", "", b"stored-3"),
    ][start:]
    assert [(i.message_id, i.status, i.reason, i.normalized) for i in made] == expected
    assert [i.raw for i in made] == raw[start:]
    assert batch.items() is made  # made once, shared by every reader


def test_closing_the_hub_ends_streams() -> None:
    async def run() -> list[str]:
        hub = DebuggerHub(ring_size=3, buffer_size=10)
        seen: list[str] = []

        async def consume() -> None:
            async for x in hub.tail(1, 0, TailFilter()):
                assert isinstance(x, DebugItem)
                seen.append(x.message_id)

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.01)
        hub.publish(1, Items([item(0)]))
        await asyncio.sleep(0.01)
        hub.close()
        await asyncio.wait_for(task, 1)
        assert not hub.has_subscribers(1)
        return seen

    assert asyncio.run(run()) == ["m0"]


# ---- streams from a real daemon ------------------------------------------------------


@pytest.fixture
def owner(daemon: Daemon) -> Iterator[AdminClient]:
    with daemon.channel() as channel:
        yield AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]


def source_id(owner: AdminClient) -> int:
    return int(owner.ListSources().sources[0].id)


def test_events_arrive_within_250_ms_of_their_ack(daemon: Daemon, owner: AdminClient) -> None:
    count = 30
    stream = owner.TailEvents(source_id=source_id(owner), recent=0, timeout=30)
    stream.initial_metadata()
    received: dict[str, float] = {}

    def read() -> None:
        for reply in stream:
            received[reply.event.message_id] = time.monotonic()
            if len(received) == count:
                return

    reader = threading.Thread(target=read)
    reader.start()
    acked: dict[str, float] = {}
    with daemon.channel() as channel:
        collector = daemon.collector(channel)
        for n in range(count):
            reply = collector.Send(
                collector_pb2.SendRequest(
                    write_key=daemon.write_key,  # type: ignore[attr-defined]
                    event=track(message_id=f"lat-{n}"),
                )
            )
            acked[reply.message_id] = time.monotonic()
            time.sleep(0.01)
    reader.join(10)
    stream.cancel()
    assert set(received) == set(acked)
    lags = sorted(received[m] - acked[m] for m in acked)
    assert lags[-1] < 0.25, f"slowest delivery {lags[-1] * 1000:.0f} ms after its ack"


def test_every_outcome_is_shown_with_raw_and_normalised_json(
    daemon: Daemon, owner: AdminClient
) -> None:
    with daemon.channel() as channel:
        send = daemon.collector(channel).SendBatch
        key = daemon.write_key  # type: ignore[attr-defined]
        original = track(message_id="dup-1", properties='{"total": 9.5}')
        original.sent_at.FromSeconds(1_700_000_000)
        send(collector_pb2.SendBatchRequest(write_key=key, events=[original]))
        send(
            collector_pb2.SendBatchRequest(
                write_key=key,
                events=[track(message_id="dup-1"), track(user_id="", anonymous_id="")],
            )
        )
    stream = owner.TailEvents(source_id=source_id(owner), recent=10, timeout=10)
    accepted, duplicate, rejected = (next(stream).event for _ in range(3))
    stream.cancel()
    assert (accepted.status, duplicate.status, rejected.status) == (
        pb.DEBUG_STATUS_ACCEPTED,
        pb.DEBUG_STATUS_DUPLICATE,
        pb.DEBUG_STATUS_REJECTED,
    )
    assert (accepted.type, accepted.name, accepted.user_id) == (TRACK, "Order Completed", "user-1")
    assert accepted.received_at.seconds > 1_700_000_000
    raw, normalized = json.loads(accepted.raw_json), json.loads(accepted.normalized_json)
    assert raw["sentAt"] == "2023-11-14T22:13:20.000Z" and "receivedAt" not in raw
    assert raw["properties"] == normalized["properties"] == {"total": 9.5}
    assert "receivedAt" in normalized and "timestamp" in normalized
    assert duplicate.message_id == "dup-1"
    assert (rejected.reason, rejected.error) == (
        "missing_identity",
        "userId or anonymousId is required",
    )
    assert not accepted.from_log


def test_events_sent_over_http_show_too(daemon: Daemon, owner: AdminClient) -> None:
    stream = owner.TailEvents(source_id=source_id(owner), timeout=10)
    stream.initial_metadata()
    call = {"userId": "u9", "event": "Signed Up", "properties": {"plan": "pro"}}
    reply = request(
        f"{daemon.http_url}/v1/track",
        call,
        basic_auth(daemon.write_key),  # type: ignore[attr-defined]
    )
    assert reply.status == 200
    shown = next(stream).event
    stream.cancel()
    assert (shown.name, shown.user_id, shown.status) == (
        "Signed Up",
        "u9",
        pb.DEBUG_STATUS_ACCEPTED,
    )
    assert json.loads(shown.raw_json)["properties"] == {"plan": "pro"}


def test_filters_and_recent_events(daemon: Daemon, owner: AdminClient) -> None:
    page = event_pb2.Event(type=PAGE, anonymous_id="a", name="Home")
    with daemon.channel() as channel:
        daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[track(name="A"), page, track(name="B"), track(name="B"), track(name="C")],
            )
        )
    sid = source_id(owner)
    stream = owner.TailEvents(source_id=sid, recent=1, types=[TRACK], names=["B"], timeout=10)
    assert next(stream).event.name == "B"
    stream.cancel()
    stream = owner.TailEvents(source_id=sid, recent=2, types=[PAGE], timeout=10)
    assert next(stream).event.name == "Home"
    stream.cancel()
    refused = pytest.raises(grpc.RpcError)
    with refused as caught:
        next(owner.TailEvents(source_id=sid, recent=-1, timeout=10))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as caught:
        next(owner.TailEvents(source_id=999, timeout=10))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_reader_that_stalls_gets_a_skip_count_and_ingestion_goes_on(
    workspace: tuple[Path, str, str], tmp_path: Path
) -> None:
    data_dir, token, write_key = workspace
    config = tmp_path / "segd.toml"
    config.write_text("[debugger]\nsubscriber_buffer = 10\n")
    running = Daemon(data_dir, config=config).start()
    batches, size = 20, 100
    try:
        # Without BDP probing the client's window stays small, so a reader that does
        # not read holds the server's writes back after a few dozen events.
        with grpc.insecure_channel(running.address, options=[("grpc.http2.bdp_probe", 0)]) as ch:
            owner = AdminClient(ch, token)
            stream = owner.TailEvents(source_id=source_id(owner), timeout=60)
            stream.initial_metadata()
            padding = json.dumps({"note": "x" * 400})
            with running.channel() as send_channel:
                send = running.collector(send_channel).SendBatch
                for b in range(batches):
                    events = [track(message_id=f"{b}-{n}", properties=padding) for n in range(size)]
                    # A short deadline: a pipeline held up by the reader would miss it.
                    reply = send(
                        collector_pb2.SendBatchRequest(write_key=write_key, events=events),
                        timeout=5,
                    )
                    assert list(reply.outcomes) == [collector_pb2.OUTCOME_ACCEPTED] * size
            delivered, skipped = 0, 0
            while delivered + skipped < batches * size:
                reply = next(stream)
                if reply.HasField("skipped"):
                    skipped += reply.skipped
                else:
                    delivered += 1
            stream.cancel()
    finally:
        running.kill()
    assert skipped > 0
    assert delivered + skipped == batches * size


def test_search_finds_stored_events(daemon: Daemon, owner: AdminClient) -> None:
    with daemon.channel() as channel:
        daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[
                    track(message_id="find-me", user_id="alice"),
                    track(user_id="bob", properties='{"coupon": "SPRING-SALE"}'),
                    track(user_id="carol", anonymous_id="anon-7"),
                ],
            )
        )
    sid = source_id(owner)

    def users(query: str, **fields: int) -> list[str]:
        reply = owner.SearchEvents(source_id=sid, query=query, **fields)
        assert reply.scanned == 3
        assert all(e.from_log and e.status == pb.DEBUG_STATUS_ACCEPTED for e in reply.events)
        return [e.user_id for e in reply.events]

    assert users("find-me") == ["alice"]
    assert users("bob") == ["bob"]
    assert users("anon-7") == ["carol"]
    assert users("spring-sale") == ["bob"]  # text, any case
    assert users("user-") == []
    assert users("Order Completed") == ["carol", "bob", "alice"]  # newest first
    assert users("Order Completed", limit=1) == ["carol"]
    for fields, text in [
        ({"query": " "}, "needs a query"),
        ({"query": "x" * 201}, "longer than 200"),
        ({"query": "x", "limit": 501}, "limit must be between"),
    ]:
        with pytest.raises(grpc.RpcError) as caught:
            owner.SearchEvents(source_id=sid, **fields)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert text in (caught.value.details() or "")


def test_after_a_restart_the_stream_starts_from_the_log(daemon: Daemon) -> None:
    with daemon.channel() as channel:
        daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[track(message_id=f"r{n}") for n in range(5)],
            )
        )
    daemon.restart()
    with daemon.channel() as channel:
        owner = AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]
        stream = owner.TailEvents(source_id=source_id(owner), recent=3, timeout=10)
        events = [next(stream).event for _ in range(3)]
        stream.cancel()
    assert [e.message_id for e in events] == ["r2", "r3", "r4"]
    assert all(e.from_log for e in events)
    assert json.loads(events[0].raw_json)["messageId"] == "r2"


def test_an_open_stream_does_not_hold_up_shutdown(daemon: Daemon, owner: AdminClient) -> None:
    stream = owner.TailEvents(source_id=source_id(owner), timeout=30)
    stream.initial_metadata()
    started = time.monotonic()
    assert daemon.stop() == 0
    # The grace period is 10 s; the stream is ended rather than waited for.
    assert time.monotonic() - started < 5
    assert list(stream) == []
