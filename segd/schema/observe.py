"""What the schema learns from events: pure functions, tested by tables.

Each event is reduced to its type, name and the keys of its properties (track, page,
screen) or traits (identify, group) with their JSON types; nested objects add dotted
keys ("address.city"). A batch of observations is aggregated per event, then bounded
against what the schema already knows: at most `max_events` events per source and
`max_properties` keys per event, like Segment's; what does not fit sets a flag.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from segd.api.v1 import event_pb2

MAX_EVENTS = 4000
MAX_PROPERTIES = 300
#: Nested objects are followed this deep ("a.b.c.d").
MAX_KEY_DEPTH = 4
DAY_MS = 86_400_000
#: orjson reads integers from -2**63 to 2**64 - 1 exactly, and larger ones as floats.
_EXACT_INT_BOUND = 2.0**63

_TRACK = event_pb2.EVENT_TYPE_TRACK
_TRAITS_TYPES = (event_pb2.EVENT_TYPE_IDENTIFY, event_pb2.EVENT_TYPE_GROUP)
_PROPERTIES_TYPES = (_TRACK, event_pb2.EVENT_TYPE_PAGE, event_pb2.EVENT_TYPE_SCREEN)

_JSON_TYPES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    dict: "object",
    list: "array",
}

#: (source_id, type, name): one schema event.
EventKey = tuple[int, int, str]


def json_type(value: Any) -> str:
    """The JSON type of a decoded value; integers and other numbers apart."""
    exact = _JSON_TYPES.get(type(value))
    if exact is not None:  # what the decoders make: one lookup, not a chain of checks
        return exact
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"


def flatten(obj: dict[str, Any], limit: int) -> tuple[dict[str, str], bool]:
    """key → JSON type for `obj`'s keys, nested objects as dotted keys after their parent.

    Returns at most `limit` keys (an object's own keys before those nested in it), and
    whether there were more.
    """
    keys: dict[str, str] = {}
    stack: list[tuple[str, dict[str, Any], int]] = [("", obj, 1)]
    while stack:
        prefix, node, depth = stack.pop()
        nested = []
        for name, value in node.items():
            key = f"{prefix}{name}"
            if len(keys) >= limit:
                return keys, True
            keys[key] = json_type(value)
            if isinstance(value, dict) and value and depth < MAX_KEY_DEPTH:
                nested.append((f"{key}.", value, depth + 1))
        stack.extend(reversed(nested))
    return keys, False


def typed_keys(text: str, limit: int) -> tuple[dict[str, str], bool]:
    """`flatten` of a stored properties or traits object (JSON text).

    orjson reads it several times faster than `json.loads`, but reads an integer beyond
    64 bits as a float, which would type it "number": an object where a float that
    large was typed is read again with `json.loads`, which keeps integers exact. So is
    anything orjson refuses (ingestion stores nothing of the kind today).
    """
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return flatten(json.loads(text), limit)
    keys, truncated = flatten(obj, limit)
    if "number" in keys.values() and _holds_float_beyond_int64(obj):
        return flatten(json.loads(text), limit)
    return keys, truncated


def _holds_float_beyond_int64(obj: dict[str, Any]) -> bool:
    """Whether the object, or one nested in it, holds a float of magnitude >= 2**63."""
    stack = [obj]
    while stack:
        for value in stack.pop().values():
            if isinstance(value, float):
                if abs(value) >= _EXACT_INT_BOUND:
                    return True
            elif isinstance(value, dict):
                stack.append(value)
    return False


class Observation(NamedTuple):
    """The schema's view of one event. A NamedTuple: one is made per stored event, where
    a frozen dataclass would set each field through object.__setattr__."""

    source_id: int
    type: int
    name: str
    received_at_ms: int
    keys: dict[str, str]
    truncated: bool


def observe(
    source_id: int, received_at_ms: int, payload: bytes, limit: int = MAX_PROPERTIES
) -> Observation:
    """The schema's view of one stored event (its normalised protobuf bytes)."""
    event = event_pb2.Event.FromString(payload)
    kind = event.type
    name = event.event if kind == _TRACK else event.name if kind in _PROPERTIES_TYPES else ""
    text = (
        event.properties
        if kind in _PROPERTIES_TYPES
        else event.traits
        if kind in _TRAITS_TYPES
        else ""
    )
    keys: dict[str, str] = {}
    truncated = False
    if text:
        # Stored events were checked at ingestion: valid JSON objects.
        keys, truncated = typed_keys(text, limit)
    return Observation(source_id, kind, name, received_at_ms, keys, truncated)


@dataclass(slots=True)
class EventStats:
    """What one batch says about one schema event."""

    count: int = 0
    first_ms: int = 0
    last_ms: int = 0
    days: Counter[int] = field(default_factory=Counter)
    #: (key, JSON type) → how many events carried it with that type.
    keys: Counter[tuple[str, str]] = field(default_factory=Counter)
    properties_limited: bool = False


def aggregate(observations: Iterable[Observation]) -> dict[EventKey, EventStats]:
    stats: dict[EventKey, EventStats] = {}
    for seen in observations:
        key = (seen.source_id, seen.type, seen.name)
        entry = stats.get(key)
        if entry is None:  # not setdefault: that would build an EventStats every time
            entry = stats[key] = EventStats()
        if entry.count == 0:
            entry.first_ms = seen.received_at_ms
        entry.count += 1
        entry.first_ms = min(entry.first_ms, seen.received_at_ms)
        entry.last_ms = max(entry.last_ms, seen.received_at_ms)
        entry.days[seen.received_at_ms // DAY_MS] += 1
        entry.keys.update(seen.keys.items())
        entry.properties_limited |= seen.truncated
    return stats


@dataclass(frozen=True, slots=True)
class Known:
    """What the schema holds already about the events a batch touches."""

    #: Existing events' ids.
    event_ids: dict[EventKey, int]
    #: Each touched source's number of events.
    event_counts: dict[int, int]
    #: Each existing touched event's recorded keys.
    keys: dict[int, set[str]]


@dataclass(frozen=True, slots=True)
class EventUpdate:
    key: EventKey
    #: None for an event seen for the first time.
    event_id: int | None
    stats: EventStats


@dataclass(frozen=True, slots=True)
class SchemaPlan:
    updates: list[EventUpdate]
    #: Sources whose event bound was hit by this batch.
    limited_sources: set[int]


def bound(
    batch: dict[EventKey, EventStats],
    known: Known,
    max_events: int = MAX_EVENTS,
    max_properties: int = MAX_PROPERTIES,
) -> SchemaPlan:
    """Keep what fits: new events while a source has room, new keys while an event has."""
    counts = dict(known.event_counts)
    updates: list[EventUpdate] = []
    limited: set[int] = set()
    for key, stats in batch.items():
        source_id = key[0]
        event_id = known.event_ids.get(key)
        if event_id is None:
            if counts.get(source_id, 0) >= max_events:
                limited.add(source_id)
                continue
            counts[source_id] = counts.get(source_id, 0) + 1
        recorded = set(known.keys.get(event_id, set())) if event_id is not None else set()
        admitted: Counter[tuple[str, str]] = Counter()
        for (name, kind), n in stats.keys.items():
            if name not in recorded:
                if len(recorded) >= max_properties:
                    stats.properties_limited = True
                    continue
                recorded.add(name)
            admitted[(name, kind)] = n
        stats.keys = admitted
        updates.append(EventUpdate(key, event_id, stats))
    return SchemaPlan(updates, limited)
