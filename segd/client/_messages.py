"""Building a call: Segment's Python library's arguments → its JSON message → an Event.

The message (a dict in Segment's JSON shape) is what the caller gets back, as from
Segment's library; the Event is what goes over gRPC, made by the same converter the
daemon's HTTP API uses. The messageId is fixed here, once, so that every retry of
the event carries it and the daemon's deduplication makes retries safe.
"""

from __future__ import annotations

import json
import numbers
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from segd.api.v1 import event_pb2
from segd.events import EventFormatError, from_json

LIBRARY = {"name": "segd-client", "version": "0.1.0"}
ID_TYPES = (str, numbers.Number)
PARTS = ("context", "integrations", "properties", "traits")
#: What each call needs besides userId or anonymousId, by argument name.
REQUIRED = {
    "track": (("event", "event"),),
    "group": (("groupId", "group_id"),),
    "alias": (("previousId", "previous_id"), ("userId", "user_id")),
}


def _json_default(value: Any) -> Any:
    # Values Segment's library serialises too: dates as ISO 8601, the rest as text.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _plain(value: dict[str, Any], name: str) -> dict[str, Any]:
    """`value` as plain JSON data (dates to text), so that from_json can carry it."""
    try:
        plain: dict[str, Any] = json.loads(
            json.dumps(value, default=_json_default, allow_nan=False)
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: {exc}") from exc
    return plain


def _id(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, ID_TYPES):
        raise ValueError(f"{name} must be a string or a number, not {type(value).__name__}")
    return str(value)


def _timestamp(value: datetime | None) -> str:
    if value is None:
        value = datetime.now(UTC)
    elif not isinstance(value, datetime):
        raise ValueError("timestamp must be a datetime")
    elif value.tzinfo is None:
        value = value.astimezone()  # a naive time is the machine's local time
    return value.isoformat(timespec="milliseconds")


def build(call: str, fields: dict[str, Any]) -> tuple[dict[str, Any], event_pb2.Event]:
    """The message and Event of one call; ValueError for arguments Segment would refuse.

    `fields` holds the call's arguments by their Segment JSON names (userId,
    properties, ...); context, integrations, properties and traits are dicts.
    """
    if call != "alias" and fields.get("userId") is None and fields.get("anonymousId") is None:
        raise ValueError("user_id or anonymous_id is required")
    for key, argument in REQUIRED.get(call, ()):
        if fields.get(key) in (None, ""):
            raise ValueError(f"{call} needs {argument}")
    message: dict[str, Any] = {"type": call}
    for key, value in fields.items():
        if value is None or key == "timestamp":
            continue
        if key in PARTS:
            if not isinstance(value, dict):
                raise ValueError(f"{key} must be a dict")
            message[key] = value
        elif key in ("event", "name", "category"):
            if not isinstance(value, str):
                raise ValueError(f"{key} must be a string")
            message[key] = value
        else:
            message[key] = _id(value, key)
    message["messageId"] = _id(fields.get("messageId"), "message_id") or str(uuid.uuid4())
    message["timestamp"] = _timestamp(fields.get("timestamp"))
    message["context"] = {**message.get("context", {}), "library": dict(LIBRARY)}
    try:
        event = from_json(message)
    except TypeError:
        # Values JSON has no type for (dates, decimals): made plain, then again.
        for part in PARTS:
            if part in message:
                message[part] = _plain(message[part], part)
        event = _from_json(message)
    except EventFormatError as exc:
        raise ValueError(str(exc)) from exc
    return message, event


def _from_json(message: dict[str, Any]) -> event_pb2.Event:
    try:
        return from_json(message)
    except EventFormatError as exc:
        raise ValueError(str(exc)) from exc
