"""The one module that talks gRPC: the Admin API behind plain async methods.

Every method returns view models from segtui.models and raises the errors of
segtui.errors; screens never see protobuf or gRPC status codes. The client reports
whether segd answered (`on_state`), so the app can show a connection indicator that
changes the moment a call fails rather than at the next poll.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import cast

import grpc
import grpc.aio
from google.protobuf.timestamp_pb2 import Timestamp

from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import admin_pb2_grpc, event_pb2
from segtui import models
from segtui.errors import BadToken, ClientError, Disconnected, NotAllowed, Rejected, ServerError
from segtui.settings import ConnectionSettings

#: Deadline of a unary call: long enough for a busy daemon, short enough to notice one gone.
CALL_TIMEOUT = 10.0
#: The channel's own reconnect backoff, kept short so a restarted daemon is found quickly.
_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 3000),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
)
_DISCONNECTED = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
}
_REJECTED = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}

StateCallback = Callable[[bool], None]


def error_from_rpc(exc: grpc.RpcError, addr: str) -> ClientError:
    """The segtui error for a failed call, with a message for people."""
    code = exc.code() if isinstance(exc, grpc.aio.AioRpcError | grpc.Call) else None
    details = (exc.details() if isinstance(exc, grpc.aio.AioRpcError | grpc.Call) else "") or ""
    if code in _DISCONNECTED:
        return Disconnected(f"segd at {addr} is not answering ({details or code})")
    if code is grpc.StatusCode.UNAUTHENTICATED:
        return BadToken(f"segd at {addr} refused the token: {details or 'unauthenticated'}")
    if code is grpc.StatusCode.PERMISSION_DENIED:
        return NotAllowed(details or "your roles do not allow this")
    if code in _REJECTED:
        return Rejected(details or str(code))
    if code is grpc.StatusCode.UNIMPLEMENTED:
        return ServerError(f"segd at {addr} does not offer this call (an older version?)")
    return ServerError(f"segd failed: {details or code}")


class AdminClient:
    """The Admin API of one segd, authenticated with one personal token."""

    def __init__(self, settings: ConnectionSettings, on_state: StateCallback | None = None):
        self.settings = settings
        self.on_state = on_state
        self._channel: grpc.aio.Channel | None = None
        self._stub: admin_pb2_grpc.AdminStub | None = None

    @property
    def addr(self) -> str:
        return self.settings.addr

    def _admin(self) -> admin_pb2_grpc.AdminStub:
        # Created on first use so that the channel belongs to the running event loop.
        if self._stub is None:
            self._channel = open_channel(self.settings)
            self._stub = admin_pb2_grpc.AdminStub(self._channel)
        return self._stub

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close(None)
        self._channel, self._stub = None, None

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.settings.token}"),)

    def _report(self, answered: bool) -> None:
        if self.on_state is not None:
            self.on_state(answered)

    async def _call(self, method: str, request: object) -> object:
        rpc = getattr(self._admin(), method)
        try:
            reply = await rpc(request, metadata=self._metadata(), timeout=CALL_TIMEOUT)
        except grpc.RpcError as exc:
            error = error_from_rpc(exc, self.addr)
            self._report(not isinstance(error, Disconnected))
            raise error from None
        self._report(True)
        return reply

    # --- The caller -------------------------------------------------------------

    async def whoami(self) -> models.Member:
        reply = await self._call("WhoAmI", pb.WhoAmIRequest())
        assert isinstance(reply, pb.WhoAmIResponse)
        return _member(reply.member)

    async def list_roles(self) -> list[models.RoleInfo]:
        reply = await self._call("ListRoles", pb.ListRolesRequest())
        assert isinstance(reply, pb.ListRolesResponse)
        return [
            models.RoleInfo(_role(r.role), r.title, r.description, r.source_scoped)
            for r in reply.roles
            if r.role != pb.ROLE_UNSPECIFIED
        ]

    # --- Members, invites, groups -----------------------------------------------

    async def list_members(self) -> list[models.Member]:
        reply = await self._call("ListMembers", pb.ListMembersRequest())
        assert isinstance(reply, pb.ListMembersResponse)
        return [_member(m) for m in reply.members]

    async def update_member(
        self, member_id: int, grants: Iterable[models.RoleGrant], group_ids: Iterable[int]
    ) -> models.Member:
        request = pb.UpdateMemberRequest(
            member_id=member_id, grants=_grants_out(grants), group_ids=list(group_ids)
        )
        reply = await self._call("UpdateMember", request)
        assert isinstance(reply, pb.UpdateMemberResponse)
        return _member(reply.member)

    async def remove_member(self, member_id: int) -> None:
        await self._call("RemoveMember", pb.RemoveMemberRequest(member_id=member_id))

    async def create_invites(
        self,
        emails: Sequence[str],
        grants: Iterable[models.RoleGrant],
        group_ids: Iterable[int] = (),
    ) -> list[models.CreatedInvite]:
        request = pb.CreateInvitesRequest(
            emails=list(emails), grants=_grants_out(grants), group_ids=list(group_ids)
        )
        reply = await self._call("CreateInvites", request)
        assert isinstance(reply, pb.CreateInvitesResponse)
        return [
            models.CreatedInvite(_invite(c.invite), c.token, c.email_error) for c in reply.invites
        ]

    async def list_invites(self) -> list[models.Invite]:
        reply = await self._call("ListInvites", pb.ListInvitesRequest())
        assert isinstance(reply, pb.ListInvitesResponse)
        return [_invite(i) for i in reply.invites]

    async def revoke_invite(self, invite_id: int) -> None:
        await self._call("RevokeInvite", pb.RevokeInviteRequest(invite_id=invite_id))

    async def accept_invite(self, invite_token: str) -> models.AcceptedInvite:
        reply = await self._call("AcceptInvite", pb.AcceptInviteRequest(invite_token=invite_token))
        assert isinstance(reply, pb.AcceptInviteResponse)
        return models.AcceptedInvite(_member(reply.member), reply.token)

    async def list_groups(self) -> list[models.Group]:
        reply = await self._call("ListGroups", pb.ListGroupsRequest())
        assert isinstance(reply, pb.ListGroupsResponse)
        return [
            models.Group(g.id, g.name, _grants_in(g.grants), tuple(g.member_ids))
            for g in reply.groups
        ]

    # --- Sources ------------------------------------------------------------------

    async def source_catalog(self) -> list[models.SourceType]:
        reply = await self._call("ListSourceCatalog", pb.ListSourceCatalogRequest())
        assert isinstance(reply, pb.ListSourceCatalogResponse)
        return [
            models.SourceType(
                t.id, t.title, t.category, t.description, t.setup_snippet, t.snippet_language
            )
            for t in reply.types
        ]

    async def create_source(self, name: str, type_id: str) -> models.CreatedSource:
        reply = await self._call("CreateSource", pb.CreateSourceRequest(name=name, type=type_id))
        assert isinstance(reply, pb.CreateSourceResponse)
        return models.CreatedSource(_source(reply.source), reply.write_key)

    async def list_sources(self) -> list[models.Source]:
        reply = await self._call("ListSources", pb.ListSourcesRequest())
        assert isinstance(reply, pb.ListSourcesResponse)
        return [_source(s) for s in reply.sources]

    async def get_source(self, source_id: int) -> models.Source:
        reply = await self._call("GetSource", pb.GetSourceRequest(source_id=source_id))
        assert isinstance(reply, pb.GetSourceResponse)
        return _source(reply.source)

    async def rename_source(self, source_id: int, name: str) -> models.Source:
        request = pb.RenameSourceRequest(source_id=source_id, name=name)
        reply = await self._call("RenameSource", request)
        assert isinstance(reply, pb.RenameSourceResponse)
        return _source(reply.source)

    async def set_source_enabled(self, source_id: int, enabled: bool) -> models.Source:
        request = pb.SetSourceEnabledRequest(source_id=source_id, enabled=enabled)
        reply = await self._call("SetSourceEnabled", request)
        assert isinstance(reply, pb.SetSourceEnabledResponse)
        return _source(reply.source)

    async def delete_source(self, source_id: int) -> None:
        await self._call("DeleteSource", pb.DeleteSourceRequest(source_id=source_id))

    async def rotate_write_key(self, source_id: int, grace_seconds: int) -> models.WriteKeys:
        request = pb.RotateWriteKeyRequest(source_id=source_id, grace_seconds=grace_seconds)
        reply = await self._call("RotateWriteKey", request)
        assert isinstance(reply, pb.RotateWriteKeyResponse)
        retired = (
            (models.RetiredWriteKey(reply.retired.write_key, _time(reply.retired.expires_at)),)
            if reply.HasField("retired") and reply.retired.write_key
            else ()
        )
        return models.WriteKeys(reply.write_key, retired)

    async def write_keys(self, source_id: int) -> models.WriteKeys:
        reply = await self._call("GetWriteKey", pb.GetWriteKeyRequest(source_id=source_id))
        assert isinstance(reply, pb.GetWriteKeyResponse)
        return models.WriteKeys(
            reply.write_key,
            tuple(models.RetiredWriteKey(r.write_key, _time(r.expires_at)) for r in reply.retired),
        )

    # --- Debugger, schema, Getting Started ---------------------------------------

    async def tail_events(
        self, source_id: int, recent: int = 100, types: Iterable[str] = ()
    ) -> AsyncIterator[models.DebugEvent | models.Skipped]:
        """The source's events as they arrive, after up to `recent` earlier ones.

        Raises Disconnected when the stream breaks (segd stopped); the caller retries.
        """
        request = pb.TailEventsRequest(
            source_id=source_id, recent=recent, types=[_event_type_out(t) for t in types]
        )
        call = self._admin().TailEvents(request, metadata=self._metadata())
        answered = False
        try:
            async for item in call:
                if not answered:
                    answered = True
                    self._report(True)
                if item.WhichOneof("item") == "skipped":
                    yield models.Skipped(item.skipped)
                else:
                    yield _debug_event(item.event)
        except grpc.RpcError as exc:
            error = error_from_rpc(exc, self.addr)
            self._report(not isinstance(error, Disconnected))
            raise error from None
        finally:
            call.cancel()
        # A stream that ends without an error ends because segd is going away.
        self._report(False)
        raise Disconnected(f"segd at {self.addr} ended the debugger stream")

    async def search_events(
        self, source_id: int, query: str, limit: int = 200
    ) -> models.SearchResult:
        request = pb.SearchEventsRequest(source_id=source_id, query=query, limit=limit)
        reply = await self._call("SearchEvents", request)
        assert isinstance(reply, pb.SearchEventsResponse)
        return models.SearchResult(tuple(_debug_event(e) for e in reply.events), reply.scanned)

    async def schema(self, source_id: int) -> models.Schema:
        reply = await self._call("GetSchema", pb.GetSchemaRequest(source_id=source_id))
        assert isinstance(reply, pb.GetSchemaResponse)
        return models.Schema(
            tuple(_schema_event(e) for e in reply.events), reply.events_limit_reached
        )

    async def getting_started(self) -> list[models.GettingStartedGroup]:
        reply = await self._call("GetGettingStarted", pb.GetGettingStartedRequest())
        assert isinstance(reply, pb.GetGettingStartedResponse)
        return [
            models.GettingStartedGroup(
                g.title,
                tuple(models.GettingStartedTask(t.id, t.title, t.done, t.detail) for t in g.tasks),
            )
            for g in reply.groups
        ]


def open_channel(settings: ConnectionSettings) -> grpc.aio.Channel:
    """An insecure channel, or a TLS one trusting `settings.ca` (system roots without)."""
    if not settings.uses_tls:
        return grpc.aio.insecure_channel(settings.addr, options=_CHANNEL_OPTIONS)
    root = settings.ca.read_bytes() if settings.ca is not None else None
    credentials = grpc.ssl_channel_credentials(root_certificates=root)
    return grpc.aio.secure_channel(settings.addr, credentials, options=_CHANNEL_OPTIONS)


async def accept_invite(settings: ConnectionSettings, invite_token: str) -> models.AcceptedInvite:
    """Accept an invite (no personal token needed yet) and return the new member's token."""
    client = AdminClient(settings)
    try:
        return await client.accept_invite(invite_token)
    finally:
        await client.close()


# --- Conversions (pure) -------------------------------------------------------------


def _time(stamp: Timestamp) -> datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def _role(value: int) -> models.Role:
    return models.Role(pb.Role.Name(value).removeprefix("ROLE_").lower())


def _grants_in(grants: Iterable[pb.RoleGrant]) -> tuple[models.RoleGrant, ...]:
    return tuple(
        models.RoleGrant(_role(g.role), frozenset(g.source_ids) if g.source_ids else None)
        for g in grants
        if g.role != pb.ROLE_UNSPECIFIED
    )


def _grants_out(grants: Iterable[models.RoleGrant]) -> list[pb.RoleGrant]:
    return [
        pb.RoleGrant(
            role=cast(pb.Role, pb.Role.Value(f"ROLE_{g.role.value.upper()}")),
            source_ids=sorted(g.source_ids or ()),
        )
        for g in grants
    ]


def _member(m: pb.Member) -> models.Member:
    return models.Member(
        m.id,
        m.email,
        _time(m.created_at),
        _grants_in(m.grants),
        tuple(m.group_ids),
        _grants_in(m.effective_grants),
    )


def _invite(i: pb.Invite) -> models.Invite:
    return models.Invite(
        i.id,
        i.email,
        _grants_in(i.grants),
        tuple(i.group_ids),
        _time(i.created_at),
        _time(i.expires_at),
        i.invited_by,
        i.emailed,
    )


def _source(s: pb.Source) -> models.Source:
    return models.Source(s.id, s.name, s.slug, s.enabled, s.type, _time(s.created_at))


def _event_type_in(value: int) -> str:
    return event_pb2.EventType.Name(value).removeprefix("EVENT_TYPE_").lower()


def _event_type_out(name: str) -> event_pb2.EventType:
    return cast(event_pb2.EventType, event_pb2.EventType.Value(f"EVENT_TYPE_{name.upper()}"))


def _debug_event(e: pb.DebugEvent) -> models.DebugEvent:
    return models.DebugEvent(
        type=_event_type_in(e.type),
        name=e.name,
        user_id=e.user_id,
        anonymous_id=e.anonymous_id,
        message_id=e.message_id,
        received_at=_time(e.received_at),
        status=pb.DebugStatus.Name(e.status).removeprefix("DEBUG_STATUS_").lower(),
        reason=e.reason,
        error=e.error,
        raw_json=e.raw_json,
        normalized_json=e.normalized_json,
        from_log=e.from_log,
    )


def _schema_event(e: pb.SchemaEvent) -> models.SchemaEvent:
    return models.SchemaEvent(
        type=_event_type_in(e.type),
        name=e.name,
        count_today=e.count_today,
        count_7_days=e.count_7_days,
        count_all_time=e.count_all_time,
        first_seen=_time(e.first_seen),
        last_seen=_time(e.last_seen),
        properties=tuple(
            models.SchemaProperty(p.key, tuple(p.types), p.count) for p in e.properties
        ),
        properties_limit_reached=e.properties_limit_reached,
    )
