"""Pure mapping between Admin protobuf messages and the core's objects."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.timestamp_pb2 import Timestamp

from segd.admin.catalog import SourceType
from segd.admin.getting_started import TaskGroup
from segd.admin.invites import CreatedInvite
from segd.admin.members import GroupView, MemberView
from segd.admin.roles import ROLES, SOURCE_SCOPED, Grant, Role, from_rows
from segd.api.v1 import admin_pb2 as pb
from segd.debugger import DebugItem, Skipped
from segd.errors import InvalidRequest
from segd.store import Source
from segd.store.access import TokenRow
from segd.store.audit import AuditEntry
from segd.store.invites import InviteRow
from segd.store.schema import SourceSchema

_STATUS = {
    "accepted": pb.DEBUG_STATUS_ACCEPTED,
    "duplicate": pb.DEBUG_STATUS_DUPLICATE,
    "rejected": pb.DEBUG_STATUS_REJECTED,
}


def timestamp(ms: int | None) -> Timestamp | None:
    if ms is None:
        return None
    ts = Timestamp()
    ts.FromMilliseconds(ms)
    return ts


def role_to_pb(role: Role) -> int:
    return int(pb.Role.Value(f"ROLE_{role.name}"))


def role_from_pb(value: int) -> Role:
    name = pb.Role.Name(value) if value in pb.Role.values() else ""
    if not name or value == pb.ROLE_UNSPECIFIED:
        raise InvalidRequest("each grant needs a role")
    return Role[name.removeprefix("ROLE_")]


def grants_from_pb(grants: Iterable[pb.RoleGrant]) -> list[Grant]:
    return [
        Grant(
            role_from_pb(g.role),
            frozenset(g.source_ids) if len(g.source_ids) else None,
        )
        for g in grants
    ]


def grants_to_pb(grants: Iterable[Grant]) -> list[pb.RoleGrant]:
    return [
        pb.RoleGrant(
            role=role_to_pb(g.role),  # type: ignore[arg-type]
            source_ids=sorted(g.source_ids) if g.source_ids is not None else [],
        )
        for g in grants
    ]


def roles_pb() -> pb.ListRolesResponse:
    return pb.ListRolesResponse(
        roles=[
            pb.RoleInfo(
                role=role_to_pb(info.role),  # type: ignore[arg-type]
                title=info.title,
                description=info.description,
                source_scoped=info.role in SOURCE_SCOPED,
            )
            for info in ROLES
        ]
    )


def member_pb(member: MemberView) -> pb.Member:
    return pb.Member(
        id=member.id,
        email=member.email,
        created_at=timestamp(member.created_at_ms),
        grants=grants_to_pb(member.grants),
        group_ids=member.group_ids,
        effective_grants=grants_to_pb(member.effective),
    )


def token_pb(token: TokenRow) -> pb.Token:
    return pb.Token(
        id=token.id,
        name=token.name,
        created_at=timestamp(token.created_at_ms),
        revoked_at=timestamp(token.revoked_at_ms),
    )


def invite_pb(invite: InviteRow) -> pb.Invite:
    return pb.Invite(
        id=invite.id,
        email=invite.email,
        grants=grants_to_pb(from_rows(invite.grant_rows)),
        group_ids=invite.group_ids,
        created_at=timestamp(invite.created_at_ms),
        expires_at=timestamp(invite.expires_at_ms),
        invited_by=invite.invited_by,
        emailed=invite.emailed,
    )


def created_invite_pb(created: CreatedInvite) -> pb.CreatedInvite:
    return pb.CreatedInvite(
        invite=invite_pb(created.invite), token=created.token, email_error=created.email_error
    )


def group_pb(group: GroupView) -> pb.Group:
    return pb.Group(
        id=group.id,
        name=group.name,
        grants=grants_to_pb(group.grants),
        member_ids=group.member_ids,
        created_at=timestamp(group.created_at_ms),
    )


def audit_pb(entry: AuditEntry) -> pb.AuditEntry:
    return pb.AuditEntry(
        id=entry.id,
        time=timestamp(entry.at_ms),
        actor_member_id=entry.actor_member_id or 0,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        before_json=entry.before_json,
        after_json=entry.after_json,
    )


def source_type_pb(entry: SourceType, snippet: str) -> pb.SourceType:
    return pb.SourceType(
        id=entry.id,
        title=entry.title,
        category=entry.category,
        description=entry.description,
        setup_snippet=snippet,
        snippet_language=entry.language,
    )


def source_pb(source: Source) -> pb.Source:
    return pb.Source(
        id=source.id,
        name=source.name,
        slug=source.slug,
        enabled=source.enabled,
        type=source.type,
        created_at=timestamp(source.created_at_ms),
    )


def retired_key_pb(key: str, expires_at_ms: int) -> pb.RetiredWriteKey:
    return pb.RetiredWriteKey(write_key=key, expires_at=timestamp(expires_at_ms))


def debug_event_pb(item: DebugItem) -> pb.DebugEvent:
    return pb.DebugEvent(
        type=item.type,  # type: ignore[arg-type]
        name=item.name,
        user_id=item.user_id,
        anonymous_id=item.anonymous_id,
        message_id=item.message_id,
        received_at=timestamp(item.received_at_ms),
        status=_STATUS[item.status],
        reason=item.reason,
        error=item.error,
        raw_json=item.raw_json,
        normalized_json=item.normalized_json,
        from_log=item.from_log,
    )


def tail_item_pb(item: DebugItem | Skipped) -> pb.TailEventsResponse:
    if isinstance(item, Skipped):
        return pb.TailEventsResponse(skipped=item.count)
    return pb.TailEventsResponse(event=debug_event_pb(item))


def schema_pb(schema: SourceSchema) -> pb.GetSchemaResponse:
    return pb.GetSchemaResponse(
        events=[
            pb.SchemaEvent(
                type=event.type,  # type: ignore[arg-type]
                name=event.name,
                count_today=event.count_today,
                count_7_days=event.count_7_days,
                count_all_time=event.count_all_time,
                first_seen=timestamp(event.first_seen_ms),
                last_seen=timestamp(event.last_seen_ms),
                properties=[
                    pb.SchemaProperty(key=p.key, types=p.types, count=p.count)
                    for p in event.properties
                ],
                properties_limit_reached=event.properties_limited,
            )
            for event in schema.events
        ],
        events_limit_reached=schema.events_limited,
        cursor=schema.cursor,
    )


def getting_started_pb(groups: Iterable[TaskGroup]) -> pb.GetGettingStartedResponse:
    return pb.GetGettingStartedResponse(
        groups=[
            pb.GettingStartedGroup(
                title=group.title,
                tasks=[
                    pb.GettingStartedTask(id=t.id, title=t.title, done=t.done, detail=t.detail)
                    for t in group.tasks
                ],
            )
            for group in groups
        ]
    )
