"""The schema: pure observation and bounds, the log consumer on a real store and on a
real daemon."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import collector_pb2, event_pb2
from segd.schema.consumer import GATHER_SECONDS, SchemaConsumer
from segd.schema.observe import (
    DAY_MS,
    EventStats,
    Known,
    SchemaPlan,
    aggregate,
    bound,
    flatten,
    json_type,
    observe,
)
from segd.store import SchemaStore, Store
from segd.store.schema import SourceSchema
from tests.support.admin import AdminClient
from tests.support.children import assert_exits, has_exited, log_entry
from tests.support.daemon import Daemon, track

TRACK = event_pb2.EVENT_TYPE_TRACK
IDENTIFY = event_pb2.EVENT_TYPE_IDENTIFY


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (3, "integer"),
        (3.5, "number"),
        ("x", "string"),
        ({}, "object"),
        ([1], "array"),
    ],
)
def test_json_type(value: Any, kind: str) -> None:
    assert json_type(value) == kind


@pytest.mark.parametrize(
    ("obj", "limit", "keys", "truncated"),
    [
        ({"a": 1, "b": "x"}, 10, {"a": "integer", "b": "string"}, False),
        (
            {"a": {"b": {"c": True}}, "d": []},
            10,
            {"a": "object", "d": "array", "a.b": "object", "a.b.c": "boolean"},
            False,
        ),
        ({"a": {}}, 10, {"a": "object"}, False),
        # An object's own keys first, then what is nested.
        ({"a": {"x": 1}, "b": 2}, 2, {"a": "object", "b": "integer"}, True),
        ({"a": 1, "b": 2}, 2, {"a": "integer", "b": "integer"}, False),
        ({"a": 1, "b": 2, "c": 3}, 2, {"a": "integer", "b": "integer"}, True),
        # Deeper than four levels is not followed.
        (
            {"a": {"b": {"c": {"d": {"e": 1}}}}},
            10,
            {"a": "object", "a.b": "object", "a.b.c": "object", "a.b.c.d": "object"},
            False,
        ),
    ],
)
def test_flatten(obj: dict[str, Any], limit: int, keys: dict[str, str], truncated: bool) -> None:
    assert flatten(obj, limit) == (keys, truncated)


@pytest.mark.parametrize(
    ("event", "name", "keys"),
    [
        (
            event_pb2.Event(type=TRACK, event="Signed Up", properties='{"plan": "pro"}'),
            "Signed Up",
            {"plan": "string"},
        ),
        (
            event_pb2.Event(
                type=event_pb2.EVENT_TYPE_PAGE, name="Home", properties='{"path": "/"}'
            ),
            "Home",
            {"path": "string"},
        ),
        (
            event_pb2.Event(type=IDENTIFY, traits='{"email": "a@b.c"}', properties='{"x": 1}'),
            "",
            {"email": "string"},
        ),
        (
            event_pb2.Event(type=event_pb2.EVENT_TYPE_GROUP, traits='{"seats": 3}'),
            "",
            {"seats": "integer"},
        ),
        (event_pb2.Event(type=event_pb2.EVENT_TYPE_ALIAS, previous_id="a"), "", {}),
        (event_pb2.Event(type=TRACK, event="No Props"), "No Props", {}),
        # Beyond 64 bits, integers are still integers (orjson reads them as floats).
        (
            event_pb2.Event(
                type=TRACK, event="Big", properties='{"n": 123456789012345678901234567890}'
            ),
            "Big",
            {"n": "integer"},
        ),
        (
            event_pb2.Event(
                type=TRACK,
                event="Big",
                properties='{"n": 98765432109876543210, "m": {"k": -9223372036854775809}}',
            ),
            "Big",
            {"n": "integer", "m": "object", "m.k": "integer"},
        ),
        # The largest integers orjson reads exactly, and floats as large: read as written.
        (
            event_pb2.Event(
                type=TRACK,
                event="Big",
                properties='{"u": 18446744073709551615, "f": 1e20, "g": -9.3e18}',
            ),
            "Big",
            {"u": "integer", "f": "number", "g": "number"},
        ),
    ],
)
def test_observe(event: event_pb2.Event, name: str, keys: dict[str, str]) -> None:
    seen = observe(7, 1000, event.SerializeToString())
    assert (seen.source_id, seen.type, seen.name, seen.keys) == (7, event.type, name, keys)


def test_aggregate_counts_days_and_types() -> None:
    def payload(props: str) -> bytes:
        return event_pb2.Event(type=TRACK, event="E", properties=props).SerializeToString()

    stats = aggregate(
        [
            observe(1, DAY_MS * 10 + 5, payload('{"a": 1}')),
            observe(1, DAY_MS * 11 + 5, payload('{"a": "one"}')),
            observe(1, DAY_MS * 11 + 9, payload('{"a": 2, "b": null}')),
        ]
    )
    entry = stats[(1, TRACK, "E")]
    assert (entry.count, entry.first_ms, entry.last_ms) == (3, DAY_MS * 10 + 5, DAY_MS * 11 + 9)
    assert entry.days == Counter({10: 1, 11: 2})
    assert entry.keys == Counter({("a", "integer"): 2, ("a", "string"): 1, ("b", "null"): 1})


def stats(*keys: str) -> EventStats:
    return EventStats(count=1, keys=Counter({(k, "string"): 1 for k in keys}))


@pytest.mark.parametrize(
    ("batch", "known", "kept", "limited_sources"),
    [
        # Room for one more event in source 1: the first new one gets it.
        (
            {(1, TRACK, "New A"): stats(), (1, TRACK, "New B"): stats()},
            Known({}, {1: 1}, {}),
            [(1, TRACK, "New A")],
            {1},
        ),
        # Known events are always counted, even when the source is full.
        (
            {(1, TRACK, "Old"): stats()},
            Known({(1, TRACK, "Old"): 5}, {1: 2}, {5: set()}),
            [(1, TRACK, "Old")],
            set(),
        ),
        # Another source has its own bound.
        ({(2, TRACK, "X"): stats()}, Known({}, {2: 0}, {}), [(2, TRACK, "X")], set()),
    ],
)
def test_bound_events(
    batch: dict[tuple[int, int, str], EventStats],
    known: Known,
    kept: list[tuple[int, int, str]],
    limited_sources: set[int],
) -> None:
    plan = bound(batch, known, max_events=2, max_properties=10)
    assert [u.key for u in plan.updates] == kept
    assert plan.limited_sources == limited_sources


@pytest.mark.parametrize(
    ("recorded", "new", "kept", "limited"),
    [
        (set(), ["a", "b"], ["a", "b"], False),
        ({"a"}, ["a", "b", "c"], ["a", "b"], True),
        ({"a", "b"}, ["a", "b"], ["a", "b"], False),
        ({"a", "b"}, ["c"], [], True),
    ],
)
def test_bound_properties(
    recorded: set[str], new: list[str], kept: list[str], limited: bool
) -> None:
    key = (1, TRACK, "E")
    plan = bound({key: stats(*new)}, Known({key: 9}, {1: 1}, {9: recorded}), max_properties=2)
    [update] = plan.updates
    assert [k for k, _ in update.stats.keys] == kept
    assert update.stats.properties_limited is limited


# ---- the consumer's gathering, on a real store --------------------------------------


class CountedSchema(SchemaStore):
    """schema.db as the consumer writes it, counting the batches it applies."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.batches = 0

    async def apply(self, plan: SchemaPlan, cursor_seq: int, today: int) -> None:
        self.batches += 1
        await super().apply(plan, cursor_seq, today)


#: Commits in a burst, one event each, and the pause after each: the burst is shorter
#: than GATHER_SECONDS, as single sends arriving together are.
BURST_COMMITS = 20
BURST_PAUSE_SECONDS = 0.01


async def follow_a_burst(data_dir: Path, gather_seconds: float) -> tuple[int, float, SourceSchema]:
    """Commit a burst of single events, notifying the consumer after each, as the
    daemon does; return the batches it applied, the burst's length and the schema."""
    payload = event_pb2.Event(type=TRACK, event="Tapped", user_id="u").SerializeToString()
    store = await Store.open(data_dir, "normal")
    schema = await CountedSchema.open(data_dir / "counted-schema.db")
    assert isinstance(schema, CountedSchema)
    consumer = SchemaConsumer(store.log, schema, idle_seconds=60, gather_seconds=gather_seconds)
    task = asyncio.create_task(consumer.run())
    try:
        now = time.time_ns() // 1_000_000
        started = time.monotonic()
        for seq in range(1, BURST_COMMITS + 1):
            await store.log.append([(seq, 1, f"m-{seq}", TRACK, "Tapped", "u", "", now, payload)])
            consumer.notify()
            await asyncio.sleep(BURST_PAUSE_SECONDS)
        burst = time.monotonic() - started
        deadline = time.monotonic() + 5
        while await schema.cursor() < BURST_COMMITS:
            assert time.monotonic() < deadline, "the schema consumer did not catch up"
            await asyncio.sleep(0.01)
        return schema.batches, burst, await schema.source_schema(1, now // DAY_MS)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await schema.close()
        await store.close()


def test_a_burst_of_commits_is_gathered_into_few_batches(tmp_path: Path) -> None:
    gathered, burst, schema = asyncio.run(follow_a_burst(tmp_path / "gather", GATHER_SECONDS))
    one_by_one, _, unbatched = asyncio.run(follow_a_burst(tmp_path / "no-gather", 0))

    # A wake-up waits GATHER_SECONDS before it reads: one batch per wait that the burst
    # lasted, besides the step at start, which may find the first event (and one more
    # for a late scheduler on a busy machine). Without the wait: a batch per commit.
    assert gathered <= math.ceil(burst / GATHER_SECONDS) + 2, (gathered, burst)
    assert one_by_one > gathered
    # Either way each event is counted once.
    for counted in (schema, unbatched):
        [event] = counted.events
        assert (event.name, event.count_all_time, counted.cursor) == (
            "Tapped",
            BURST_COMMITS,
            BURST_COMMITS,
        )


# ---- the consumer on a real daemon ---------------------------------------------------


@pytest.fixture
def owner(daemon: Daemon) -> Iterator[AdminClient]:
    with daemon.channel() as channel:
        yield AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]


def send(daemon: Daemon, events: list[event_pb2.Event]) -> None:
    with daemon.channel() as channel:
        for start in range(0, len(events), 2500):
            daemon.collector(channel).SendBatch(
                collector_pb2.SendBatchRequest(
                    write_key=daemon.write_key,  # type: ignore[attr-defined]
                    events=events[start : start + 2500],
                ),
                timeout=30,
            )


def schema_at(owner: AdminClient, cursor: int, timeout: float = 10) -> pb.GetSchemaResponse:
    """The schema once the consumer has followed the log up to `cursor`."""
    source_id = owner.ListSources().sources[0].id
    deadline = time.monotonic() + timeout
    while True:
        reply = owner.GetSchema(source_id=source_id)
        if reply.cursor >= cursor or time.monotonic() > deadline:
            assert reply.cursor >= cursor, "the schema consumer did not catch up"
            return reply
        time.sleep(0.05)


def test_schema_counts_names_and_property_types(daemon: Daemon, owner: AdminClient) -> None:
    send(
        daemon,
        [
            track(name="Order Completed", properties='{"total": 10, "items": [1]}'),
            track(name="Order Completed", properties='{"total": 9.5, "coupon": {"code": "X"}}'),
            track(name="Signed Up"),
            event_pb2.Event(type=IDENTIFY, user_id="u", traits='{"email": "a@b.c"}'),
        ],
    )
    reply = schema_at(owner, 4)
    events = {(e.type, e.name): e for e in reply.events}
    assert set(events) == {(TRACK, "Order Completed"), (TRACK, "Signed Up"), (IDENTIFY, "")}
    order = events[(TRACK, "Order Completed")]
    assert (order.count_today, order.count_7_days, order.count_all_time) == (2, 2, 2)
    assert order.first_seen.seconds <= order.last_seen.seconds
    props = {p.key: (list(p.types), p.count) for p in order.properties}
    assert props == {
        "total": (["integer", "number"], 2),
        "items": (["array"], 1),
        "coupon": (["object"], 1),
        "coupon.code": (["string"], 1),
    }
    assert [p.key for p in events[(IDENTIFY, "")].properties] == ["email"]
    assert not reply.events_limit_reached and not order.properties_limit_reached

    # The cursor persists: a restart neither loses nor counts anything twice.
    daemon.restart()
    with daemon.channel() as channel:
        owner = AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]
        send(daemon, [track(name="Order Completed")])
        after = {(e.type, e.name): e for e in schema_at(owner, 5).events}
    assert after[(TRACK, "Order Completed")].count_all_time == 3


def test_schema_bounds_are_flagged(daemon: Daemon, owner: AdminClient) -> None:
    wide = json.dumps({f"p{n}": n for n in range(301)})
    events = [track(name=f"Event {n}") for n in range(4001)]
    events.append(track(name="Event 0", properties=wide))
    send(daemon, events)
    reply = schema_at(owner, len(events), timeout=30)
    assert reply.events_limit_reached
    assert len(reply.events) == 4000
    first = next(e for e in reply.events if e.name == "Event 0")
    assert first.properties_limit_reached and len(first.properties) == 300
    assert first.count_all_time == 2


def test_a_20_digit_integer_property_is_an_integer(daemon: Daemon, owner: AdminClient) -> None:
    send(daemon, [track(name="Big", properties='{"n": 98765432109876543210, "x": 1e20}')])
    [event] = schema_at(owner, 1).events
    assert {p.key: list(p.types) for p in event.properties} == {
        "n": ["integer"],
        "x": ["number"],
    }


# ---- the consumer's child process ----------------------------------------------------


def schema_child(daemon: Daemon) -> int:
    return int(daemon.wait_for_log("schema.process_started")["pid"])  # type: ignore[call-overload]


def test_a_killed_schema_process_is_replaced_and_resumes(
    daemon: Daemon, owner: AdminClient
) -> None:
    send(daemon, [track(name="Before")])
    schema_at(owner, 1)
    first = schema_child(daemon)

    os.kill(first, signal.SIGKILL)
    exited = log_entry(daemon, "schema.process_exited", lambda e: e["pid"] == first)
    assert exited["exit_code"] == -signal.SIGKILL
    log_entry(daemon, "schema.process_started", lambda e: e["pid"] != first)

    send(daemon, [track(name="After"), track(name="Before")])
    counts = {e.name: e.count_all_time for e in schema_at(owner, 3).events}
    assert counts == {"Before": 2, "After": 1}


def test_the_schema_process_exits_when_the_daemon_is_killed(daemon: Daemon) -> None:
    child = schema_child(daemon)
    assert not has_exited(child)

    daemon.kill()
    assert_exits(child, "the schema process")


def test_the_schema_process_stops_with_the_daemon(daemon: Daemon) -> None:
    child = schema_child(daemon)

    assert daemon.stop() == 0
    # It finished by itself when the daemon closed its pipe: not terminated, not killed.
    stopped = daemon.wait_for_log("schema.process_stopped")
    assert (stopped["pid"], stopped["exit_code"]) == (child, 0)
    assert has_exited(child)
