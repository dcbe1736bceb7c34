"""Pure mapping between the Admin service's destination messages and the core's objects."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from segd.api.v1 import admin_pb2 as pb
from segd.destinations_core import (
    LATENCY_WINDOW_MINUTES,
    DeliveryStatus,
    DestinationInfo,
    PluginInfo,
)
from segd.errors import InvalidFields, Violation
from segd.router.filters import FilterSpec
from segd.server.admin_convert import timestamp
from segd.store import DeadLetter, DeliveryError, FilterRow
from segd.warehouse import SyncStatus, TableStatus

_KINDS = {
    "sample": pb.FILTER_KIND_SAMPLE,
    "drop": pb.FILTER_KIND_DROP,
    "only": pb.FILTER_KIND_ONLY,
    "drop_properties": pb.FILTER_KIND_DROP_PROPERTIES,
    "allow_properties": pb.FILTER_KIND_ALLOW_PROPERTIES,
}
_KIND_NAMES = {value: name for name, value in _KINDS.items()}


def settings_from_json(text: str) -> Any:
    """The settings object a request carries as JSON text ("" is {})."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError as exc:
        problem = f"not valid JSON: {exc}"
        raise InvalidFields(f"settings are {problem}", [Violation("settings", problem)]) from exc


def destination_type_pb(plugin: PluginInfo) -> pb.DestinationType:
    return pb.DestinationType(
        name=plugin.name,
        display_name=plugin.display_name,
        category=str(plugin.category),
        description=plugin.description,
        settings_schema_json=json.dumps(plugin.settings_schema),
    )


def destination_pb(info: DestinationInfo) -> pb.Destination:
    return pb.Destination(
        id=info.id,
        name=info.name,
        type=info.type,
        display_name=info.display_name,
        enabled=info.enabled,
        source_ids=info.source_ids,
        settings_json=json.dumps(info.settings),
        version=info.version,
        created_at=timestamp(info.created_at_ms),
        updated_at=timestamp(info.updated_at_ms),
    )


def filter_spec_from_pb(spec: pb.FilterSpec) -> FilterSpec:
    if spec.kind not in _KIND_NAMES:
        problem = "choose a filter kind"
        raise InvalidFields(f"spec.kind: {problem}", [Violation("spec.kind", problem)])
    return FilterSpec(
        _KIND_NAMES[spec.kind],
        spec.condition,
        tuple(spec.fields),
        spec.percent if spec.HasField("percent") else None,
        spec.path,
        spec.title,
        not spec.disabled,
    )


def filter_pb(row: FilterRow) -> pb.DestinationFilter:
    return pb.DestinationFilter(
        id=row.id,
        destination_id=row.destination_id,
        spec=pb.FilterSpec(
            kind=_KINDS[row.kind],  # type: ignore[arg-type]
            condition=row.condition,
            fields=row.fields,
            percent=row.percent,
            path=row.path,
            title=row.title,
            disabled=not row.enabled,
        ),
        created_at=timestamp(row.created_at_ms),
    )


def delivery_error_pb(error: DeliveryError) -> pb.DeliveryError:
    return pb.DeliveryError(
        time=timestamp(error.at_ms),
        seq=error.seq,
        message_id=error.message_id,
        retryable=error.retryable,
        error=error.error,
        request_sample=error.request_sample,
        response_sample=error.response_sample,
    )


def delivery_status_pb(status: DeliveryStatus) -> pb.DeliveryStatus:
    counts = status.counts
    return pb.DeliveryStatus(
        destination_id=status.destination_id,
        delivered=counts.delivered,
        filtered=counts.filtered,
        retrying=counts.retrying,
        dead=counts.dead,
        latency_p50_ms=status.latency_p50_ms,
        latency_p95_ms=status.latency_p95_ms,
        latency_window_minutes=LATENCY_WINDOW_MINUTES,
        recent_errors=[delivery_error_pb(e) for e in status.last_errors],
        cursor=counts.cursor,
    )


def dead_letter_pb(dead: DeadLetter) -> pb.DeadLetter:
    return pb.DeadLetter(
        id=dead.id,
        seq=dead.seq,
        source_id=dead.source_id,
        message_id=dead.message_id,
        received_at=timestamp(dead.received_at_ms),
        body_json=dead.body,
        attempts=dead.attempts,
        error=dead.error,
        request_sample=dead.request_sample,
        response_sample=dead.response_sample,
        failed_at=timestamp(dead.failed_at_ms),
    )


def _moment(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def warehouse_table_pb(table: TableStatus) -> pb.WarehouseTable:
    return pb.WarehouseTable(
        schema=table.schema,
        table=table.table,
        rows_loaded=table.rows_loaded,
        last_loaded_at=_moment(table.last_loaded_at),
    )


def warehouse_status_pb(destination_id: int, status: SyncStatus) -> pb.WarehouseStatus:
    state = status.state
    return pb.WarehouseStatus(
        destination_id=destination_id,
        warehouse=status.warehouse,
        last_sync_at=_moment(state.last_sync_at),
        last_sync_events=state.last_sync_events,
        last_sync_rows=state.last_sync_rows,
        syncs=state.syncs,
        events_loaded=state.events_loaded,
        discarded=status.discards,
        tables=[warehouse_table_pb(t) for t in state.tables],
        last_error=status.last_error,
        last_error_at=_moment(status.last_error_at),
    )
