"""Protobuf messages to view models and back: pure mapping, no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from google.protobuf.timestamp_pb2 import Timestamp

from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import event_pb2
from segtui import models


def time(stamp: Timestamp) -> datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def role(value: int) -> models.Role:
    return models.Role(pb.Role.Name(value).removeprefix("ROLE_").lower())


def grants_in(grants: Iterable[pb.RoleGrant]) -> tuple[models.RoleGrant, ...]:
    return tuple(
        models.RoleGrant(role(g.role), frozenset(g.source_ids) if g.source_ids else None)
        for g in grants
        if g.role != pb.ROLE_UNSPECIFIED
    )


def grants_out(grants: Iterable[models.RoleGrant]) -> list[pb.RoleGrant]:
    return [
        pb.RoleGrant(
            role=cast(pb.Role, pb.Role.Value(f"ROLE_{g.role.value.upper()}")),
            source_ids=sorted(g.source_ids or ()),
        )
        for g in grants
    ]


def member(m: pb.Member) -> models.Member:
    return models.Member(
        m.id,
        m.email,
        time(m.created_at),
        grants_in(m.grants),
        tuple(m.group_ids),
        grants_in(m.effective_grants),
    )


def invite(i: pb.Invite) -> models.Invite:
    return models.Invite(
        i.id,
        i.email,
        grants_in(i.grants),
        tuple(i.group_ids),
        time(i.created_at),
        time(i.expires_at),
        i.invited_by,
        i.emailed,
    )


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def destination(d: pb.Destination) -> models.Destination:
    return models.Destination(
        d.id,
        d.name,
        d.type,
        d.display_name,
        d.enabled,
        tuple(d.source_ids),
        json_object(d.settings_json),
        d.version,
        time(d.created_at),
        time(d.updated_at),
    )


def filter_spec_out(spec: models.FilterSpec) -> pb.FilterSpec:
    out = pb.FilterSpec(
        kind=cast(pb.FilterKind, pb.FilterKind.Value(f"FILTER_KIND_{spec.kind.upper()}")),
        condition=spec.condition,
        fields=list(spec.fields),
        path=spec.path,
        title=spec.title,
        disabled=spec.disabled,
    )
    if spec.percent is not None:
        out.percent = spec.percent
    return out


def filter(f: pb.DestinationFilter) -> models.DestinationFilter:
    s = f.spec
    spec = models.FilterSpec(
        kind=pb.FilterKind.Name(s.kind).removeprefix("FILTER_KIND_").lower(),
        condition=s.condition,
        fields=tuple(s.fields),
        percent=s.percent if s.HasField("percent") else None,
        path=s.path,
        title=s.title,
        disabled=s.disabled,
    )
    return models.DestinationFilter(f.id, f.destination_id, spec, time(f.created_at))


def source(s: pb.Source) -> models.Source:
    return models.Source(s.id, s.name, s.slug, s.enabled, s.type, time(s.created_at))


def event_type_in(value: int) -> str:
    return event_pb2.EventType.Name(value).removeprefix("EVENT_TYPE_").lower()


def event_type_out(name: str) -> event_pb2.EventType:
    return cast(event_pb2.EventType, event_pb2.EventType.Value(f"EVENT_TYPE_{name.upper()}"))


def debug_event(e: pb.DebugEvent) -> models.DebugEvent:
    return models.DebugEvent(
        type=event_type_in(e.type),
        name=e.name,
        user_id=e.user_id,
        anonymous_id=e.anonymous_id,
        message_id=e.message_id,
        received_at=time(e.received_at),
        status=pb.DebugStatus.Name(e.status).removeprefix("DEBUG_STATUS_").lower(),
        reason=e.reason,
        error=e.error,
        raw_json=e.raw_json,
        normalized_json=e.normalized_json,
        from_log=e.from_log,
    )


def schema_event(e: pb.SchemaEvent) -> models.SchemaEvent:
    return models.SchemaEvent(
        type=event_type_in(e.type),
        name=e.name,
        count_today=e.count_today,
        count_7_days=e.count_7_days,
        count_all_time=e.count_all_time,
        first_seen=time(e.first_seen),
        last_seen=time(e.last_seen),
        properties=tuple(
            models.SchemaProperty(p.key, tuple(p.types), p.count) for p in e.properties
        ),
        properties_limit_reached=e.properties_limit_reached,
    )


def delivery_status(s: pb.DeliveryStatus) -> models.DeliveryStatus:
    return models.DeliveryStatus(
        destination_id=s.destination_id,
        delivered=s.delivered,
        filtered=s.filtered,
        retrying=s.retrying,
        dead=s.dead,
        latency_p50_ms=s.latency_p50_ms if s.HasField("latency_p50_ms") else None,
        latency_p95_ms=s.latency_p95_ms if s.HasField("latency_p95_ms") else None,
        latency_window_minutes=s.latency_window_minutes,
        recent_errors=tuple(
            models.DeliveryError(
                time(e.time),
                e.seq,
                e.message_id,
                e.retryable,
                e.error,
                e.request_sample,
                e.response_sample,
            )
            for e in s.recent_errors
        ),
    )


def dead_letter(d: pb.DeadLetter) -> models.DeadLetter:
    return models.DeadLetter(
        d.id,
        d.seq,
        d.source_id,
        d.message_id,
        time(d.received_at),
        d.body_json,
        d.attempts,
        d.error,
        d.request_sample,
        d.response_sample,
        time(d.failed_at),
    )


def destination_type(t: pb.DestinationType) -> models.DestinationType:
    return models.DestinationType(
        t.name, t.display_name, t.category, t.description, json_object(t.settings_schema_json)
    )


def retired_keys(keys: Iterable[pb.RetiredWriteKey]) -> tuple[models.RetiredWriteKey, ...]:
    return tuple(
        models.RetiredWriteKey(k.write_key, time(k.expires_at)) for k in keys if k.write_key
    )


def warehouse_status(s: pb.WarehouseStatus) -> models.WarehouseStatus:
    return models.WarehouseStatus(
        destination_id=s.destination_id,
        warehouse=s.warehouse,
        last_sync_at=time(s.last_sync_at),
        last_sync_events=s.last_sync_events,
        last_sync_rows=s.last_sync_rows,
        syncs=s.syncs,
        events_loaded=s.events_loaded,
        discarded=s.discarded,
        tables=tuple(
            models.WarehouseTable(t.schema, t.table, t.rows_loaded, time(t.last_loaded_at))
            for t in s.tables
        ),
        last_error=s.last_error if s.HasField("last_error") else None,
        last_error_at=time(s.last_error_at),
    )
