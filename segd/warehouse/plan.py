"""A batch of events as the rows to load, table by table: pure, with the time passed in.

`plan_load` takes the events, the columns the warehouse has now, and the load time;
it returns, for each table, the columns to create (typed by the first value seen),
the rows (values converted to their column's type) and the discards (values that do
not fit, with why). Loading the plan is the backend's job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segd.warehouse.layout import DISCARDS_COLUMNS, TYPE_MISMATCH, Problem, Row, rows_of
from segd.warehouse.types import DoesNotFit, Kind, convert, infer, parse_timestamp


@dataclass(frozen=True, slots=True, order=True)
class TableRef:
    """A table in a schema; both are plain identifiers."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


#: Columns of each table as the warehouse has them now.
Catalog = Mapping[TableRef, Mapping[str, Kind]]


@dataclass(slots=True)
class TablePlan:
    """What one load does to one table."""

    ref: TableRef
    #: False when the table must be created first.
    exists: bool
    #: The kinds of every column known for the table (the warehouse's and new ones).
    kinds: dict[str, Kind]
    #: Columns to add (or to create the table with), in first-seen order.
    new_columns: dict[str, Kind] = field(default_factory=dict)
    #: The columns this load writes, in order (a dict used as an ordered set).
    used: dict[str, None] = field(default_factory=dict)
    #: Rows by id: appended rows keep the first of a repeated id, users rows merge.
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: users: merge each row into the table by id, keeping the newest received_at.
    upsert: bool = False

    def columns(self) -> list[str]:
        return list(self.used)

    def tuples(self) -> list[tuple[Any, ...]]:
        columns = self.columns()
        return [tuple(row.get(c) for c in columns) for row in self.rows.values()]

    def column_kinds(self) -> list[tuple[str, Kind]]:
        return [(c, self.kinds[c]) for c in self.used]

    def _use(self, column: str, kind: Kind) -> None:
        if column not in self.kinds:
            self.kinds[column] = kind
            self.new_columns[column] = kind
        self.used[column] = None


@dataclass(slots=True)
class LoadPlan:
    tables: dict[TableRef, TablePlan] = field(default_factory=dict)
    #: Batch positions of events that cannot be loaded at all, and why.
    rejected: dict[int, str] = field(default_factory=dict)
    #: Events whose rows are in the plan.
    events: int = 0

    def discards(self) -> int:
        return sum(len(t.rows) for t in self.tables.values() if t.ref.name == "discards")


def discard_id(event_id: str, table: str, column: str, value: str, reason: str) -> str:
    """A stable key for a discard, so that loading an event twice records it once."""
    digest = hashlib.sha256(
        json.dumps([event_id, table, column, value, reason]).encode()
    ).hexdigest()
    return digest[:32]


class _Planner:
    def __init__(self, catalog: Catalog, now: datetime) -> None:
        self.catalog = catalog
        self.now = now
        self.plan = LoadPlan()

    def table(self, ref: TableRef, fixed: Mapping[str, Kind], upsert: bool) -> TablePlan:
        table = self.plan.tables.get(ref)
        if table is None:
            existing = self.catalog.get(ref)
            table = TablePlan(ref, existing is not None, dict(existing or {}), upsert=upsert)
            for column, kind in fixed.items():
                table._use(column, kind)
            self.plan.tables[ref] = table
        return table

    def discard(
        self, schema: str, event_id: str, received_at: Any, problem: Problem, expected: str
    ) -> None:
        value = json.dumps(problem.value, ensure_ascii=False, separators=(",", ":"))
        key = discard_id(event_id, problem.table, problem.column, value, problem.reason)
        table = self.table(TableRef(schema, "discards"), DISCARDS_COLUMNS, upsert=False)
        table.rows.setdefault(
            key,
            {
                "id": key,
                "event_id": event_id,
                "table_name": problem.table,
                "column_name": problem.column,
                "value": value,
                "expected_type": expected,
                "reason": problem.reason,
                "received_at": received_at,
                "uuid_ts": self.now,
            },
        )

    def add_row(self, schema: str, event_id: str, received_at: Any, row: Row) -> None:
        table = self.table(TableRef(schema, row.table), row.fixed, row.upsert)
        converted: dict[str, Any] = {}
        kinds, used = table.kinds, table.used
        for column, value in row.values.items():
            kind = kinds.get(column) or infer(value)
            # Most values are text going into text columns: skip the general path.
            if kind is Kind.TEXT and type(value) is str and "\x00" not in value:
                converted[column] = value
            else:
                try:
                    converted[column] = _convert(value, kind)
                except DoesNotFit:
                    problem = Problem(row.table, column, value, TYPE_MISMATCH)
                    self.discard(schema, event_id, received_at, problem, str(kind))
                    continue
            if column not in used:
                table._use(column, kind)
        converted["uuid_ts"] = self.now
        key = str(converted["id"])
        current = table.rows.get(key)
        if current is None:
            table.rows[key] = converted
        elif row.upsert:
            _merge_user(current, converted)


def _merge_user(current: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold two identifies of one user: the newer wins trait by trait, the older fills gaps."""
    before, after = current.get("received_at"), new.get("received_at")
    if before is None or after is None or after >= before:
        current.update(new)
    else:
        for column, value in new.items():
            current.setdefault(column, value)


def _convert(value: Any, kind: Kind) -> Any:
    converted = convert(value, kind)
    if isinstance(converted, str) and "\x00" in converted:
        # PostgreSQL text cannot hold NUL; the JSON in discards can (as \u0000).
        raise DoesNotFit("text with a NUL character")
    return converted


def plan_load(
    events: Sequence[tuple[str, Mapping[str, Any]]], catalog: Catalog, now: datetime
) -> LoadPlan:
    """The plan for loading `events`, given as (schema, Segment JSON) in batch order.

    New columns take the kind of their first value in the batch; values that do not
    fit their column become discards of their table.
    """
    planner = _Planner(catalog, now)
    for index, (schema, body) in enumerate(events):
        shaped = rows_of(body)
        if shaped.rejection is not None:
            planner.plan.rejected[index] = shaped.rejection
            continue
        event_id = str(body["messageId"])
        received = body.get("receivedAt")
        received_at = parse_timestamp(received) if isinstance(received, str) else None
        for problem in shaped.problems:
            planner.discard(schema, event_id, received_at, problem, "")
        for row in shaped.rows:
            planner.add_row(schema, event_id, received_at, row)
        planner.plan.events += 1
    return planner.plan
