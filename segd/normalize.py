"""Segment's rules for one event, as a pure function of the event, the limits and the clock.

`normalize` checks an event against the spec and fills in what the server owns:
messageId when missing, receivedAt, and timestamp corrected for the client's clock.
It does no I/O, so every rule is tested by one table in tests/test_normalize.py.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from segd.api.v1 import event_pb2
from segd.config import Limits

NANOS = 1_000_000_000

TRACK = event_pb2.EVENT_TYPE_TRACK
ALIAS = event_pb2.EVENT_TYPE_ALIAS
GROUP = event_pb2.EVENT_TYPE_GROUP
KNOWN_TYPES = frozenset(event_pb2.EventType.values()) - {event_pb2.EVENT_TYPE_UNSPECIFIED}
JSON_PARTS = ("context", "integrations", "properties", "traits")
#: The range a Timestamp may hold (years 1 to 9999 in UTC, as RFC 3339 can write it).
MIN_SECONDS = -62_135_596_800  # 0001-01-01T00:00:00Z
MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
#: Client-set times, as their JSON keys (receivedAt is the server's and replaced).
CLIENT_TIMES = {
    "timestamp": "timestamp",
    "original_timestamp": "originalTimestamp",
    "sent_at": "sentAt",
}

#: The spec's name of each type, as it appears in JSON ("track", "page", ...).
TYPE_NAMES: dict[int, str] = {
    value: name.removeprefix("EVENT_TYPE_").lower()
    for name, value in event_pb2.EventType.items()
    if value != event_pb2.EVENT_TYPE_UNSPECIFIED
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why an event cannot be stored: a machine-readable reason and a sentence for people."""

    reason: str
    message: str


class _BadJson(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.rejection = Rejection(reason, message)


def _reject_constant(name: str) -> Any:
    raise _BadJson("non_finite_number", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _BadJson("non_finite_number", f"number {text[:40]} is out of range")
    return value


#: One decoder for every call: `json.loads` with hooks builds a new decoder each time,
#: which costs as much as decoding a typical context object.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _nested_deeper_than(value: Any, limit: int) -> bool:
    # Iterative, so that a hostile depth cannot exhaust the interpreter's stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def describe_json_error(exc: ValueError) -> str:
    """Why text is not JSON, in words for the client (Python's own hints left out)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeError):
        return "it is not valid UTF-8"
    # int() refuses numbers of more than sys.get_int_max_str_digits() digits.
    return "a number has too many digits"


def has_lone_surrogate(value: Any) -> bool:
    """Whether decoded JSON holds an unpaired UTF-16 surrogate (from a \\udXXX escape).

    JSON's grammar allows such escapes, but the text they make is not Unicode: it cannot
    be written as UTF-8, so no destination, debugger or warehouse could take the event.
    """
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def check_json_object(part: str, text: str, max_depth: int) -> Rejection | None:
    """Check one JSON part: an object, finite numbers only, nested at most max_depth,
    and Unicode throughout."""
    try:
        # The fast path. orjson accepts less than the JSON we take (it refuses NaN,
        # Infinity and numbers out of range like we do, and also lone surrogate
        # escapes), never more; what it refuses, the stdlib decoder decides, with the
        # precise reason. Four times faster on the parts events carry.
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        decoded = _decode(part, text, max_depth)
        if isinstance(decoded, Rejection):
            return decoded
        value = decoded
    if type(value) is not dict:
        return Rejection("not_an_object", f"{part} must be a JSON object")
    # Walking the value costs; fewer brackets than the limit cannot nest past it.
    if text.count("{") + text.count("[") > max_depth and _nested_deeper_than(value, max_depth):
        return Rejection("too_deep", f"{part} is nested deeper than {max_depth} levels")
    # Only an escape can make a surrogate (the text itself is valid UTF-8).
    if "\\u" in text and ("\\ud" in text or "\\uD" in text) and has_lone_surrogate(value):
        return Rejection("invalid_unicode", f"{part} holds an unpaired surrogate escape")
    return None


def client_times(event: event_pb2.Event) -> tuple[int | None, ...] | Rejection:
    """The client-set times (timestamp, originalTimestamp, sentAt) in nanoseconds, None
    where unset; or why one is not a real moment (years 1 to 9999, nanos within a second).
    """
    times: list[int | None] = []
    for field, key in CLIENT_TIMES.items():
        if not event.HasField(field):
            times.append(None)
            continue
        stamp = getattr(event, field)
        seconds, nanos = stamp.seconds, stamp.nanos
        if not (MIN_SECONDS <= seconds <= MAX_SECONDS and 0 <= nanos < NANOS):
            return Rejection("invalid_timestamp", f"{key} is out of range")
        times.append(seconds * NANOS + nanos)
    return tuple(times)


def _decode(part: str, text: str, max_depth: int) -> Any:
    """The value of `text`, or the Rejection saying why it is not JSON we take."""
    try:
        return _DECODER.decode(text)
    except _BadJson as exc:
        return Rejection(exc.rejection.reason, f"{part}: {exc.rejection.message}")
    except RecursionError:
        return Rejection("too_deep", f"{part} is nested deeper than {max_depth} levels")
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        return Rejection("invalid_json", f"{part} is not valid JSON: {describe_json_error(exc)}")


def _set_nanos(ts: Any, value: int) -> None:
    ts.seconds, ts.nanos = divmod(value, NANOS)


def normalize(event: event_pb2.Event, now_ns: int, limits: Limits) -> Rejection | None:
    """Check `event` against the spec and complete it in place; None when it may be stored.

    - type is one of the six calls; userId or anonymousId is present; track has an
      event name; alias has previousId and userId; group has groupId.
    - messageId is at most `limits.max_message_id_chars`, and generated when empty.
    - receivedAt = now. When sentAt is given, timestamp = receivedAt - (sentAt -
      originalTimestamp), correcting the client's clock; originalTimestamp keeps the
      client's own value (taken from timestamp when only that was sent). A timestamp
      in the future is clamped to receivedAt.
    - context, integrations, properties and traits are JSON objects with finite
      numbers and no unpaired surrogate escapes, nested at most `limits.max_json_depth`;
      client-set times lie in years 1 to 9999; the whole event is at most
      `limits.max_event_bytes` serialized.
    """
    kind = event.type
    if kind not in KNOWN_TYPES:
        return Rejection(
            "missing_type", "type must be identify, track, page, screen, group or alias"
        )
    if not event.user_id and not event.anonymous_id:
        return Rejection("missing_identity", "userId or anonymousId is required")
    if kind == TRACK and not event.event:
        return Rejection("missing_event", "a track call needs an event name")
    if kind == ALIAS and not (event.previous_id and event.user_id):
        return Rejection("missing_previous_id", "an alias call needs previousId and userId")
    if kind == GROUP and not event.group_id:
        return Rejection("missing_group_id", "a group call needs groupId")
    if len(event.message_id) > limits.max_message_id_chars:
        return Rejection(
            "message_id_too_long",
            f"messageId is longer than {limits.max_message_id_chars} characters",
        )
    for part in JSON_PARTS:
        text = getattr(event, part)
        if text:
            rejection = check_json_object(part, text, limits.max_json_depth)
            if rejection is not None:
                return rejection
    times = client_times(event)
    if isinstance(times, Rejection):
        return times
    timestamp_ns, original, sent_ns = times

    if not event.message_id:
        event.message_id = str(uuid.uuid4())
    _set_nanos(event.received_at, now_ns)
    if original is None and timestamp_ns is not None:
        original = timestamp_ns
        event.original_timestamp.CopyFrom(event.timestamp)
    if original is None:
        timestamp = now_ns
    elif sent_ns is not None:
        timestamp = now_ns - (sent_ns - original)
    else:
        timestamp = original
    if timestamp < MIN_SECONDS * NANOS:
        # Both times are real moments, but sentAt is so far past originalTimestamp
        # that the correction leaves the calendar.
        return Rejection("invalid_timestamp", "sentAt and originalTimestamp are too far apart")
    _set_nanos(event.timestamp, min(timestamp, now_ns))

    size = event.ByteSize()
    if size > limits.max_event_bytes:
        return Rejection(
            "event_too_large", f"the event is {size} bytes; the limit is {limits.max_event_bytes}"
        )
    return None
