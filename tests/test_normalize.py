"""Segment's rules for one event: one table for rejections, one for what gets filled in."""

from __future__ import annotations

import json

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from segd.api.v1 import event_pb2
from segd.config import Limits
from segd.events import format_time
from segd.normalize import NANOS, check_json_object, normalize

E = event_pb2
NOW = 1_800_000_000 * NANOS
LIMITS = Limits()


def ts(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.seconds, stamp.nanos = divmod(int(seconds * NANOS), NANOS)
    return stamp


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (E.Event(user_id="u"), "missing_type"),
        (E.Event(type=99, user_id="u"), "missing_type"),  # type: ignore[arg-type]
        (E.Event(type=E.EVENT_TYPE_TRACK, event="x"), "missing_identity"),
        (E.Event(type=E.EVENT_TYPE_TRACK, user_id="u"), "missing_event"),
        (E.Event(type=E.EVENT_TYPE_ALIAS, user_id="u"), "missing_previous_id"),
        (E.Event(type=E.EVENT_TYPE_ALIAS, anonymous_id="a", previous_id="p"), "missing_previous_id"),
        (E.Event(type=E.EVENT_TYPE_GROUP, user_id="u"), "missing_group_id"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", message_id="m" * 101), "message_id_too_long"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties="{"), "invalid_json"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties="[1]"), "not_an_object"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", context='"x"'), "not_an_object"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"a":NaN}'), "non_finite_number"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", traits='{"a":-Infinity}'), "non_finite_number"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"a":1e400}'), "non_finite_number"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"a":' + "9" * 5000 + "}"), "invalid_json"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties=nested(33)), "too_deep"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties=nested(100)), "too_deep"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties=nested(5000)), "too_deep"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", integrations='{"All": 1, "x": ' + "[" * 40 + "]" * 40 + "}"), "too_deep"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties=json.dumps({"s": "x" * 33_000})), "event_too_large"),
        # Unpaired surrogate escapes are JSON but not Unicode: no consumer could write them.
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"a":"\\ud800"}'), "invalid_unicode"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", context='{"\\uDC00":1}'), "invalid_unicode"),
        # Times outside years 1..9999 (or nanos outside a second) are no moments at all.
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", timestamp=Timestamp(seconds=10**15)), "invalid_timestamp"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", original_timestamp=Timestamp(seconds=-(10**15))), "invalid_timestamp"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", sent_at=Timestamp(seconds=253_402_300_800)), "invalid_timestamp"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", timestamp=Timestamp(seconds=5, nanos=-1)), "invalid_timestamp"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", timestamp=Timestamp(seconds=5, nanos=NANOS)), "invalid_timestamp"),
        (E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", original_timestamp=Timestamp(seconds=-62_135_596_800),
                 sent_at=Timestamp(seconds=253_402_300_799)), "invalid_timestamp"),
    ],
)  # fmt: skip
def test_rejections(event: E.Event, reason: str) -> None:
    rejection = normalize(event, NOW, LIMITS)
    assert rejection is not None
    assert rejection.reason == reason
    assert rejection.message


@pytest.mark.parametrize(
    "event",
    [
        E.Event(type=E.EVENT_TYPE_IDENTIFY, user_id="u", traits='{"email":"a@b.c"}'),
        E.Event(type=E.EVENT_TYPE_IDENTIFY, anonymous_id="a"),
        E.Event(type=E.EVENT_TYPE_TRACK, anonymous_id="a", event="Signed Up"),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u"),
        E.Event(type=E.EVENT_TYPE_SCREEN, user_id="u", name="Home"),
        E.Event(type=E.EVENT_TYPE_GROUP, user_id="u", group_id="g"),
        E.Event(type=E.EVENT_TYPE_ALIAS, user_id="u", previous_id="p"),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", message_id="m" * 100),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties=nested(32)),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"big": 123456789012345678901234567890}'),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"a": [1, 2.5, "x", true, null, {"b": {}}]}'),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", properties='{"pair": "\\ud83d\\ude00", "nul": "\\u0000"}'),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", timestamp=Timestamp(seconds=-62_135_596_800)),
        E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", original_timestamp=Timestamp(seconds=253_402_300_799, nanos=NANOS - 1)),
    ],
)  # fmt: skip
def test_accepted(event: E.Event) -> None:
    assert normalize(event, NOW, LIMITS) is None


def timestamps(event: E.Event) -> tuple[float, float | None]:
    def seconds(stamp: Timestamp) -> float:
        return stamp.seconds + stamp.nanos / NANOS

    original = seconds(event.original_timestamp) if event.HasField("original_timestamp") else None
    return seconds(event.timestamp), original


T0 = NOW / NANOS


@pytest.mark.parametrize(
    ("fields", "timestamp", "original"),
    [
        # No times at all: the event happened when it was received.
        ({}, T0, None),
        # The client's clock runs 1 hour ahead; the call was made 10 s before sending.
        ({"original_timestamp": ts(T0 + 3600 - 10), "sent_at": ts(T0 + 3600)}, T0 - 10, T0 + 3590),
        # Only `timestamp` sent, with sentAt: it is the client's original timestamp.
        ({"timestamp": ts(T0 - 3600 - 5), "sent_at": ts(T0 - 3600)}, T0 - 5, T0 - 3605),
        # No sentAt: no correction is possible; the client's time stands.
        ({"timestamp": ts(T0 - 60)}, T0 - 60, T0 - 60),
        # In the future even after correction: clamped to receivedAt.
        ({"timestamp": ts(T0 + 600)}, T0, T0 + 600),
        ({"original_timestamp": ts(T0 + 20), "sent_at": ts(T0 + 10)}, T0, T0 + 20),
    ],
)
def test_timestamps(fields: dict[str, Timestamp], timestamp: float, original: float | None) -> None:
    event = E.Event(type=E.EVENT_TYPE_PAGE, user_id="u")
    for name, value in fields.items():
        getattr(event, name).CopyFrom(value)
    assert normalize(event, NOW, LIMITS) is None
    assert timestamps(event) == (pytest.approx(timestamp), pytest.approx(original))
    assert event.received_at.seconds == NOW // NANOS


def test_message_id_generated_when_missing_and_kept_when_given() -> None:
    generated = E.Event(type=E.EVENT_TYPE_PAGE, user_id="u")
    given = E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", message_id="abc")
    assert normalize(generated, NOW, LIMITS) is None
    assert normalize(given, NOW, LIMITS) is None
    assert len(generated.message_id) == 36
    assert given.message_id == "abc"


def test_received_at_sent_by_client_is_replaced() -> None:
    event = E.Event(type=E.EVENT_TYPE_PAGE, user_id="u", received_at=ts(1))
    assert normalize(event, NOW, LIMITS) is None
    assert event.received_at.seconds == NOW // NANOS


@pytest.mark.parametrize(
    ("text", "max_depth", "ok"),
    [("{}", 1, True), (nested(3), 3, True), (nested(4), 3, False), ('{"a":[[[]]]}', 3, False)],
)
def test_depth_limit(text: str, max_depth: int, ok: bool) -> None:
    assert (check_json_object("p", text, max_depth) is None) == ok


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"a": 1' + "0" * 5000 + "}", "a number has too many digits"),
        ('{"a": }', "Expecting value at line 1 column 7"),
    ],
)
def test_json_errors_say_why_without_python_hints(text: str, words: str) -> None:
    rejection = check_json_object("properties", text, 32)
    assert rejection is not None
    assert rejection.message == f"properties is not valid JSON: {words}"
    assert "sys." not in rejection.message


@pytest.mark.parametrize(
    ("seconds", "nanos", "text"),
    [
        (1_700_000_000, 123_456_789, "2023-11-14T22:13:20.123Z"),
        (-1, 999_999_999, "1969-12-31T23:59:59.999Z"),
        # Stored before normalisation refused them: written as the nearest end of the
        # range, so that one old event cannot stop a destination, the debugger or a load.
        (10**15, 0, "9999-12-31T23:59:59.000Z"),
        (-(10**15), 0, "0001-01-01T00:00:00.000Z"),
        (5, -7, "1970-01-01T00:00:05.000Z"),
        (5, 2 * NANOS, "1970-01-01T00:00:05.999Z"),
    ],
)
def test_format_time_is_total(seconds: int, nanos: int, text: str) -> None:
    assert format_time(Timestamp(seconds=seconds, nanos=nanos)) == text
