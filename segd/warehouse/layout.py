"""Where each part of one event goes: its tables, columns and raw values.

Segment's warehouse layout, per source schema:

| call     | rows in                         | columns besides the common ones           |
| -------- | ------------------------------- | ----------------------------------------- |
| identify | identifies, users (if userId)   | traits                                    |
| track    | tracks, <event name snake_cased>| event, event_text; properties (event table)|
| page     | pages                           | name, category, properties                |
| screen   | screens                         | name, category, properties                |
| group    | groups                          | group_id, traits                          |
| alias    | aliases                         | previous_id, traits                       |

Common columns: id (the messageId), anonymous_id, user_id, received_at, sent_at,
timestamp, original_timestamp, uuid_ts (load time) and context_* flattened from the
context object. `users` holds id (the userId), received_at, uuid_ts and the traits.
Objects are flattened with `_`, arrays kept whole (stored as JSON text), nulls left
out, names snake_cased. A value whose name is unusable or already taken by another
column of the row is reported as a problem (it goes to `discards`), never dropped
silently; a property equal to the column it collides with (a page's `name`, a
trait `id` equal to the userId) is simply redundant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from segd.warehouse.naming import column_name, event_table
from segd.warehouse.types import Kind, as_text

TS = Kind.TIMESTAMP
TEXT = Kind.TEXT

#: Columns every event table has, in the order tables are created with.
COMMON_COLUMNS: dict[str, Kind] = {
    "id": TEXT,
    "anonymous_id": TEXT,
    "user_id": TEXT,
    "received_at": TS,
    "sent_at": TS,
    "timestamp": TS,
    "original_timestamp": TS,
    "uuid_ts": TS,
}
USERS_COLUMNS: dict[str, Kind] = {"id": TEXT, "received_at": TS, "uuid_ts": TS}
DISCARDS_COLUMNS: dict[str, Kind] = {
    "id": TEXT,
    "event_id": TEXT,
    "table_name": TEXT,
    "column_name": TEXT,
    "value": TEXT,
    "expected_type": TEXT,
    "reason": TEXT,
    "received_at": TS,
    "uuid_ts": TS,
}

#: Segment JSON key → column, for the common part of every row.
_COMMON_FIELDS = {
    "messageId": "id",
    "anonymousId": "anonymous_id",
    "userId": "user_id",
    "receivedAt": "received_at",
    "sentAt": "sent_at",
    "timestamp": "timestamp",
    "originalTimestamp": "original_timestamp",
}
_TYPE_COLUMNS: dict[str, dict[str, Kind]] = {
    "identify": {},
    "track": {"event": TEXT, "event_text": TEXT},
    "page": {"name": TEXT, "category": TEXT},
    "screen": {"name": TEXT, "category": TEXT},
    "group": {"group_id": TEXT},
    "alias": {"previous_id": TEXT},
}
_TYPE_TABLES = {
    "identify": "identifies",
    "track": "tracks",
    "page": "pages",
    "screen": "screens",
    "group": "groups",
    "alias": "aliases",
}
#: The object flattened into each call's own columns.
_PAYLOAD = {
    "identify": "traits",
    "track": "properties",
    "page": "properties",
    "screen": "properties",
    "group": "traits",
    "alias": "traits",
}

# Reasons a value goes to `discards`.
INVALID_NAME = "invalid_name"
RESERVED_COLUMN = "reserved_column"
NAME_COLLISION = "name_collision"
TYPE_MISMATCH = "type_mismatch"
INVALID_TABLE = "invalid_table_name"


@dataclass(frozen=True, slots=True)
class Problem:
    """A value with no column to go to: `column` is the name it would have had."""

    table: str
    column: str
    value: Any
    reason: str


@dataclass(slots=True)
class Row:
    """One row for `table`: raw JSON values by column, and the table's fixed columns."""

    table: str
    fixed: Mapping[str, Kind]
    values: dict[str, Any] = field(default_factory=dict)
    #: users rows are merged into the table by id; every other row is appended.
    upsert: bool = False


@dataclass(slots=True)
class EventRows:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Why the event cannot be loaded at all (then rows is empty).
    rejection: str | None = None


def flatten(value: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) for every leaf: objects are walked with `_`, nulls left out."""
    for key, item in value.items():
        path = f"{prefix}_{key}" if prefix else str(key)
        if isinstance(item, dict):
            yield from flatten(item, path)
        elif item is not None:
            yield path, item


def _common_row(table: str, fixed: Mapping[str, Kind], body: Mapping[str, Any]) -> Row:
    row = Row(table, fixed)
    for key, column in _COMMON_FIELDS.items():
        value = body.get(key)
        if value is not None:
            row.values[column] = value
    return row


def _add_object(row: Row, problems: list[Problem], obj: Any, prefix: str = "") -> None:
    """Flatten `obj` into the row, reporting values whose column is unusable or taken.

    The fixed columns are never filled from an object: a property that names one is
    redundant when it holds the same value and a problem otherwise.
    """
    if not isinstance(obj, Mapping):
        return
    for path, value in flatten(obj, prefix):
        column = column_name(path)
        taken = row.values.get(column)
        if not column:
            problems.append(Problem(row.table, path, value, INVALID_NAME))
        elif column in row.fixed:
            if taken is None or as_text(taken) != as_text(value):
                problems.append(Problem(row.table, column, value, RESERVED_COLUMN))
        elif taken is None:
            row.values[column] = value
        elif as_text(taken) != as_text(value):
            problems.append(Problem(row.table, column, value, NAME_COLLISION))


_KEY_STRINGS = ("messageId", "userId", "anonymousId", "event", "groupId", "previousId")


def rows_of(body: Mapping[str, Any]) -> EventRows:
    """The rows one event (Segment JSON, as segd.events.to_json gives it) becomes."""
    out = EventRows()
    kind = body.get("type")
    if kind not in _TYPE_TABLES:
        out.rejection = f"type {kind!r} is not one of the six calls"
        return out
    message_id = body.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        out.rejection = "the event has no messageId to key its rows by"
        return out
    for key in _KEY_STRINGS:
        value = body.get(key)
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL text cannot hold NUL; an id cannot be discarded like a value.
            out.rejection = f"{key} contains a NUL character"
            return out

    type_columns = _TYPE_COLUMNS[kind]
    fixed = {**COMMON_COLUMNS, **type_columns}
    payload = body.get(_PAYLOAD[kind])
    main = _common_row(_TYPE_TABLES[kind], fixed, body)
    rows = [main]
    if kind == "track":
        name = str(body.get("event", ""))
        main.values["event"] = event_table(name) or None
        main.values["event_text"] = name
        table = event_table(name)
        if table:
            rows.append(Row(table, fixed, dict(main.values)))
        else:
            out.problems.append(Problem(name, "", payload or {}, INVALID_TABLE))
    elif kind in ("page", "screen"):
        main.values["name"] = body.get("name")
        main.values["category"] = body.get("category")
    elif kind == "group":
        main.values["group_id"] = body.get("groupId")
    elif kind == "alias":
        main.values["previous_id"] = body.get("previousId")
    for row in rows:
        row.values = {k: v for k, v in row.values.items() if v is not None}
        _add_object(row, out.problems, body.get("context"), "context")

    # The call's own object goes un-prefixed into its table (the event table for track).
    if kind != "track" or len(rows) == 2:
        _add_object(rows[-1], out.problems, payload)

    user_id = body.get("userId")
    if kind == "identify" and isinstance(user_id, str) and user_id:
        user = Row("users", USERS_COLUMNS, upsert=True)
        user.values["id"] = user_id
        if body.get("receivedAt") is not None:
            user.values["received_at"] = body["receivedAt"]
        _add_object(user, out.problems, payload)
        rows.append(user)
    out.rows = rows
    return out
