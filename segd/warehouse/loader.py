"""Loading a batch: read the columns, plan, create and evolve tables, insert; one transaction.

Every table has `id` as its primary key and rows go in with ON CONFLICT (id) DO
NOTHING, so a batch loaded again after a crash (the router redelivers what it had
not seen acknowledged) adds nothing twice; `users` rows are merged in, keeping the
newest traits. The bookkeeping behind the sync status lives in the warehouse too, in
the state schema (`_segd` by default), updated in the same transaction as the rows:

- `_segd.tables`: rows loaded and last load time per table;
- `_segd.sync`: one row with the last sync's time and counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segd.warehouse.backend import Backend, qualified
from segd.warehouse.naming import quote
from segd.warehouse.plan import Catalog, TablePlan, TableRef, plan_load
from segd.warehouse.status import TableStatus, WarehouseState
from segd.warehouse.types import Kind, kind_of_sql_type

_TABLES = quote("tables")
_SYNC = quote("sync")


@dataclass(slots=True)
class LoadReport:
    """What one load did."""

    synced_at: datetime
    events: int
    #: Rows inserted (or, for users, merged) per table; replayed rows count zero.
    rows: dict[TableRef, int] = field(default_factory=dict)
    discards: int = 0
    #: Batch positions of events that could not be loaded at all, and why.
    rejected: dict[int, str] = field(default_factory=dict)
    #: The warehouse's bookkeeping after the load.
    state: WarehouseState | None = None


def read_catalog(backend: Backend, schemas: Sequence[str]) -> dict[TableRef, dict[str, Kind]]:
    """The columns and kinds of every table in `schemas`, from information_schema."""
    if not schemas:
        return {}
    p = backend.placeholder
    marks = ", ".join([p] * len(schemas))
    rows = backend.fetch(
        "SELECT table_schema, table_name, column_name, data_type"
        f" FROM information_schema.columns WHERE table_schema IN ({marks})"
        " ORDER BY table_schema, table_name, ordinal_position",
        list(schemas),
    )
    catalog: dict[TableRef, dict[str, Kind]] = {}
    for schema, table, column, data_type in rows:
        catalog.setdefault(TableRef(schema, table), {})[column] = kind_of_sql_type(data_type)
    return catalog


def _create_or_evolve(backend: Backend, table: TablePlan) -> None:
    if not table.exists:
        columns = ", ".join(
            f"{quote(name)} {backend.sql_type(kind)}" for name, kind in table.new_columns.items()
        )
        backend.execute(
            f"CREATE TABLE IF NOT EXISTS {qualified(table.ref)} ({columns}, PRIMARY KEY (id))"
        )
        return
    for name, kind in table.new_columns.items():
        backend.execute(
            f"ALTER TABLE {qualified(table.ref)}"
            f" ADD COLUMN IF NOT EXISTS {quote(name)} {backend.sql_type(kind)}"
        )


def _conflict(table: TablePlan) -> str:
    if not table.upsert:
        return "ON CONFLICT (id) DO NOTHING"
    # A user's row keeps every trait it had and takes each one the newer identify
    # carries; an identify older than the row's (a late or replayed one) changes nothing.
    sets = []
    for name in table.columns():
        if name == "id":
            continue
        column = quote(name)
        if name in ("received_at", "uuid_ts"):
            sets.append(f"{column} = excluded.{column}")
        else:
            sets.append(f"{column} = COALESCE(excluded.{column}, t.{column})")
    return (
        f"ON CONFLICT (id) DO UPDATE SET {', '.join(sets)}"
        " WHERE t.received_at IS NULL OR excluded.received_at >= t.received_at"
    )


def _ensure_state(backend: Backend, state_schema: str) -> None:
    schema = quote(state_schema)
    ts = backend.sql_type(Kind.TIMESTAMP)
    big = backend.sql_type(Kind.INTEGER)
    text = backend.sql_type(Kind.TEXT)
    backend.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    backend.execute(
        f"CREATE TABLE IF NOT EXISTS {schema}.{_TABLES} (schema_name {text}, table_name {text},"
        f" rows_loaded {big}, last_loaded_at {ts}, PRIMARY KEY (schema_name, table_name))"
    )
    backend.execute(
        f"CREATE TABLE IF NOT EXISTS {schema}.{_SYNC} (id {big} PRIMARY KEY, last_sync_at {ts},"
        f" last_sync_events {big}, last_sync_rows {big}, syncs {big}, events_loaded {big})"
    )


def _record(backend: Backend, state_schema: str, report: LoadReport) -> None:
    schema = quote(state_schema)
    p = backend.placeholder
    at = report.synced_at
    for ref, count in report.rows.items():
        if count:
            backend.execute(
                f"INSERT INTO {schema}.{_TABLES} AS t VALUES ({p}, {p}, {p}, {p})"
                " ON CONFLICT (schema_name, table_name) DO UPDATE SET"
                " rows_loaded = t.rows_loaded + excluded.rows_loaded,"
                " last_loaded_at = excluded.last_loaded_at",
                [ref.schema, ref.name, count, at],
            )
    backend.execute(
        f"INSERT INTO {schema}.{_SYNC} AS t VALUES (1, {p}, {p}, {p}, 1, {p})"
        " ON CONFLICT (id) DO UPDATE SET last_sync_at = excluded.last_sync_at,"
        " last_sync_events = excluded.last_sync_events,"
        " last_sync_rows = excluded.last_sync_rows, syncs = t.syncs + 1,"
        " events_loaded = t.events_loaded + excluded.events_loaded",
        [at, report.events, sum(report.rows.values()), report.events],
    )


def read_state(backend: Backend, state_schema: str) -> WarehouseState:
    """The bookkeeping of the warehouse (empty before the first load)."""
    catalog = read_catalog(backend, [state_schema])
    if TableRef(state_schema, "sync") not in catalog:
        return WarehouseState()
    schema = quote(state_schema)
    tables = tuple(
        TableStatus(str(s), str(t), int(n), at)
        for s, t, n, at in backend.fetch(
            f"SELECT schema_name, table_name, rows_loaded, last_loaded_at FROM {schema}.{_TABLES}"
            " ORDER BY schema_name, table_name"
        )
    )
    sync = backend.fetch(
        "SELECT last_sync_at, last_sync_events, last_sync_rows, syncs, events_loaded"
        f" FROM {schema}.{_SYNC} WHERE id = 1"
    )
    if not sync:
        return WarehouseState(tables=tables)
    at, events, rows, syncs, loaded = sync[0]
    return WarehouseState(at, int(events), int(rows), int(syncs), int(loaded), tables)


def load(
    backend: Backend,
    events: Sequence[tuple[str, Mapping[str, Any]]],
    now: datetime,
    state_schema: str,
) -> LoadReport:
    """Load `events` ((schema, Segment JSON) in batch order) in one transaction.

    Raises whatever the backend raises; then nothing of the batch is in the warehouse.
    """
    schemas = sorted({schema for schema, _ in events})
    with backend.transaction():
        catalog: Catalog = read_catalog(backend, schemas)
        plan = plan_load(events, catalog, now)
        report = LoadReport(now, plan.events, rejected=plan.rejected)
        for schema in schemas:
            backend.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        _ensure_state(backend, state_schema)
        for table in plan.tables.values():
            _create_or_evolve(backend, table)
            rows = list(table.rows.values())
            count = backend.insert_rows(table.ref, table.column_kinds(), rows, _conflict(table))
            report.rows[table.ref] = count
            if table.ref.name == "discards":
                report.discards += count
        _record(backend, state_schema, report)
        report.state = read_state(backend, state_schema)
    return report
