"""The client's pure parts: building calls, backoff, cutting batches."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from segd.api.v1 import event_pb2
from segd.client._messages import LIBRARY, build
from segd.client._transport import MAX_BATCH_BYTES, backoff_delay, batches


@pytest.mark.parametrize(
    ("call", "fields", "expected"),
    [
        ("track", {"userId": "u", "event": "E"}, {"userId": "u", "event": "E"}),
        ("track", {"userId": 42, "event": "E"}, {"userId": "42", "event": "E"}),
        ("page", {"anonymousId": "a", "name": "Home", "category": "Docs"},
         {"anonymousId": "a", "name": "Home", "category": "Docs"}),
        ("identify", {"userId": "u", "traits": {"since": date(2024, 1, 2)}},
         {"userId": "u", "traits": {"since": "2024-01-02"}}),
        ("track", {"userId": "u", "event": "E", "properties": {"price": Decimal("9.5"),
                   "id": uuid.UUID(int=1)}},
         {"properties": {"price": 9.5, "id": "00000000-0000-0000-0000-000000000001"}}),
        ("group", {"userId": "u", "groupId": 7}, {"groupId": "7"}),
        ("alias", {"previousId": "a", "userId": "u"}, {"previousId": "a", "userId": "u"}),
        ("track", {"userId": "u", "event": "E", "messageId": "m-1"}, {"messageId": "m-1"}),
        ("track", {"userId": "u", "event": "E", "integrations": {"All": False}},
         {"integrations": {"All": False}}),
        ("track", {"userId": "u", "event": "E",
                   "timestamp": datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))},
         {"timestamp": "2024-05-01T12:00:00.000+02:00"}),
    ],
)  # fmt: skip
def test_build(call: str, fields: dict[str, Any], expected: dict[str, Any]) -> None:
    message, event = build(call, fields)
    assert message["type"] == call
    assert {k: message[k] for k in expected} == expected
    assert message["context"]["library"] == LIBRARY
    assert event.message_id == message["messageId"]
    assert event.HasField("timestamp")


def test_build_gives_each_call_its_own_message_id_once() -> None:
    first, event = build("track", {"userId": "u", "event": "E"})
    second, _ = build("track", {"userId": "u", "event": "E"})
    assert uuid.UUID(first["messageId"]) != uuid.UUID(second["messageId"])
    assert event.message_id == first["messageId"]


def test_build_keeps_the_callers_context() -> None:
    context = {"ip": "10.0.0.1"}
    message, event = build("track", {"userId": "u", "event": "E", "context": context})
    assert message["context"] == {"ip": "10.0.0.1", "library": LIBRARY}
    assert context == {"ip": "10.0.0.1"}  # not changed under the caller
    assert event.type == event_pb2.EVENT_TYPE_TRACK


def test_a_naive_timestamp_is_local_time() -> None:
    naive = datetime(2024, 5, 1, 12, 0)
    message, _ = build("track", {"userId": "u", "event": "E", "timestamp": naive})
    assert datetime.fromisoformat(message["timestamp"]) == naive.astimezone()
    assert datetime.fromisoformat(message["timestamp"]).tzinfo is not None


@pytest.mark.parametrize(
    ("call", "fields", "words"),
    [
        ("track", {"event": "E"}, "user_id or anonymous_id"),
        ("track", {"userId": "u"}, "track needs event"),
        ("track", {"userId": "u", "event": ""}, "track needs event"),
        ("group", {"userId": "u"}, "group needs group_id"),
        ("alias", {"userId": "u"}, "alias needs previous_id"),
        ("alias", {"previousId": "a"}, "alias needs user_id"),
        ("track", {"userId": ["u"], "event": "E"}, "userId must be a string or a number"),
        ("track", {"userId": True, "event": "E"}, "userId must be a string or a number"),
        ("track", {"userId": "u", "event": 5}, "event must be a string"),
        ("track", {"userId": "u", "event": "E", "properties": [1]}, "properties must be a dict"),
        ("track", {"userId": "u", "event": "E", "properties": {"x": float("nan")}},
         "properties: Out of range float"),
        ("track", {"userId": "u", "event": "E", "properties": {"x": object()}},
         "properties: object is not JSON serialisable"),
        ("track", {"userId": "u", "event": "E", "timestamp": "2024-01-01"},
         "timestamp must be a datetime"),
    ],
)  # fmt: skip
def test_build_refuses(call: str, fields: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        build(call, fields)


@pytest.mark.parametrize(
    ("attempt", "rand", "expected"),
    [
        (1, 0.0, 0.05),  # half of the base at the least
        (1, 1.0, 0.1),
        (2, 1.0, 0.2),
        (4, 1.0, 0.8),
        (10, 1.0, 5.0),  # capped
        (10, 0.0, 2.5),
        (60, 0.5, 3.75),  # no overflow for large attempt numbers
    ],
)
def test_backoff_delay(attempt: int, rand: float, expected: float) -> None:
    assert backoff_delay(attempt, 0.1, 5.0, lambda: rand) == pytest.approx(expected)


def _events(*sizes: int) -> list[event_pb2.Event]:
    return [event_pb2.Event(properties="x" * size) for size in sizes]


@pytest.mark.parametrize(
    ("sizes", "upload_size", "expected"),
    [
        ([], 10, []),
        ([1, 1, 1], 10, [[0, 1, 2]]),
        ([1, 1, 1], 2, [[0, 1], [2]]),
        ([30_000] * 20, 100, [list(range(15)), list(range(15, 20))]),  # under 450 KB each
        ([MAX_BATCH_BYTES], 100, [[0]]),  # one oversized event still goes (to be rejected)
    ],
)
def test_batches(sizes: list[int], upload_size: int, expected: list[list[int]]) -> None:
    assert batches(_events(*sizes), upload_size) == expected
