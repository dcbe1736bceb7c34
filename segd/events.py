"""The event in Segment's JSON shape, both ways.

`to_json` gives what destinations, the debugger and the archive see (the JSON of the
call as Segment documents it); `from_json` reads one call of the HTTP Tracking API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import timestamp_pb2

from segd.api.v1 import event_pb2
from segd.normalize import JSON_PARTS, MAX_SECONDS, MIN_SECONDS, NANOS, TYPE_NAMES

TYPES_BY_NAME: dict[str, int] = {name: value for value, name in TYPE_NAMES.items()}

#: proto field → Segment JSON key, for the plain string fields.
_STRING_FIELDS = {
    "message_id": "messageId",
    "user_id": "userId",
    "anonymous_id": "anonymousId",
    "event": "event",
    "name": "name",
    "category": "category",
    "group_id": "groupId",
    "previous_id": "previousId",
}
_TIME_FIELDS = {
    "timestamp": "timestamp",
    "original_timestamp": "originalTimestamp",
    "sent_at": "sentAt",
    "received_at": "receivedAt",
}

#: Compact JSON text of a part, refusing NaN and infinities as JSON does.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventFormatError(ValueError):
    """A JSON call that cannot become an event; `reason` is machine-readable."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def format_time(ts: Any) -> str:
    """RFC 3339 in UTC with milliseconds, as Segment writes them.

    Times outside years 1 to 9999 are written as the nearest end of that range:
    normalisation refuses them, but an event stored before it did must not stop
    every consumer that turns the log into JSON.
    """
    seconds = min(max(ts.seconds, MIN_SECONDS), MAX_SECONDS)
    nanos = min(max(ts.nanos, 0), NANOS - 1)
    moment = _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json(event: event_pb2.Event) -> dict[str, Any]:
    """The Segment JSON of an event; absent fields are left out."""
    out: dict[str, Any] = {"type": TYPE_NAMES.get(event.type, "")}
    for field, key in _STRING_FIELDS.items():
        value = getattr(event, field)
        if value:
            out[key] = value
    for part in JSON_PARTS:
        text = getattr(event, part)
        if text:
            out[part] = json.loads(text)
    for field, key in _TIME_FIELDS.items():
        if event.HasField(field):
            out[key] = format_time(getattr(event, field))
    if event.version:
        out["version"] = event.version
    return out


def parse_time(value: Any, key: str) -> datetime:
    if not isinstance(value, str):
        raise EventFormatError("invalid_timestamp", f"{key} must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise EventFormatError("invalid_timestamp", f"{key} is not an ISO 8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(value: Any, key: str) -> str:
    # Segment's libraries accept numeric ids and send them as strings.
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise EventFormatError("invalid_field", f"{key} must be a string")
    return str(value)


def _timestamp(moment: datetime, key: str) -> timestamp_pb2.Timestamp:
    """A Timestamp in its valid range (years 1 to 9999 in UTC)."""
    delta = moment - _EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise EventFormatError("invalid_timestamp", f"{key} is out of range")
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=delta.microseconds * 1000)


def from_json(call: Any, default_type: str | None = None) -> event_pb2.Event:
    """One call of the HTTP Tracking API as an Event (not yet normalised).

    `default_type` is the call named by the URL (/v1/track); a batch item names its own.
    """
    if not isinstance(call, dict):
        raise EventFormatError("not_an_object", "each event must be a JSON object")
    # The URL names the call (/v1/track); a batch item names its own.
    type_name = default_type or call.get("type")
    kind = TYPES_BY_NAME.get(type_name) if isinstance(type_name, str) else None
    if kind is None:
        raise EventFormatError(
            "missing_type", "type must be identify, track, page, screen, group or alias"
        )
    # Gathered first and handed to the constructor at once: the HTTP API converts
    # every event this way, and one constructor call is much cheaper than setattrs.
    fields: dict[str, Any] = {"type": kind}
    for field, key in _STRING_FIELDS.items():
        if key in call:
            fields[field] = _id(call[key], key)
    for part in JSON_PARTS:
        value = call.get(part)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise EventFormatError("not_an_object", f"{part} must be a JSON object")
        try:
            fields[part] = _encode(value)
        except ValueError as exc:
            raise EventFormatError("non_finite_number", f"{part}: {exc}") from exc
        except RecursionError as exc:
            raise EventFormatError("too_deep", f"{part} is nested too deeply") from exc
    for field, key in _TIME_FIELDS.items():
        if key == "receivedAt" or call.get(key) is None:
            continue
        fields[field] = _timestamp(parse_time(call[key], key), key)
    version = call.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and -(2**31) <= version < 2**31:
        fields["version"] = version
    try:
        return event_pb2.Event(**fields)
    except ValueError as exc:
        # UnicodeEncodeError: JSON escapes can make unpaired surrogates, which are not
        # Unicode, and a protobuf string must be.
        raise EventFormatError("invalid_unicode", "the call holds an unpaired surrogate") from exc
