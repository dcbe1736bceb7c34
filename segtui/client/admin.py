"""The one module that talks gRPC: the Admin API behind plain async methods.

Every method returns view models from segtui.models and raises the errors of
segtui.errors; screens never see protobuf or gRPC status codes. The client reports
whether segd answered (`on_state`), so the app can show a connection indicator that
changes the moment a call fails rather than at the next poll.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import grpc
import grpc.aio

from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import admin_pb2_grpc
from segtui import models
from segtui.client import convert
from segtui.client.errors import error_from_rpc
from segtui.errors import Disconnected
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
StateCallback = Callable[[bool], None]


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
        return convert.member(reply.member)

    async def list_roles(self) -> list[models.RoleInfo]:
        reply = await self._call("ListRoles", pb.ListRolesRequest())
        assert isinstance(reply, pb.ListRolesResponse)
        return [
            models.RoleInfo(convert.role(r.role), r.title, r.description, r.source_scoped)
            for r in reply.roles
            if r.role != pb.ROLE_UNSPECIFIED
        ]

    # --- Members, invites, groups -----------------------------------------------

    async def list_members(self) -> list[models.Member]:
        reply = await self._call("ListMembers", pb.ListMembersRequest())
        assert isinstance(reply, pb.ListMembersResponse)
        return [convert.member(m) for m in reply.members]

    async def update_member(
        self, member_id: int, grants: Iterable[models.RoleGrant], group_ids: Iterable[int]
    ) -> models.Member:
        request = pb.UpdateMemberRequest(
            member_id=member_id, grants=convert.grants_out(grants), group_ids=list(group_ids)
        )
        reply = await self._call("UpdateMember", request)
        assert isinstance(reply, pb.UpdateMemberResponse)
        return convert.member(reply.member)

    async def remove_member(self, member_id: int) -> None:
        await self._call("RemoveMember", pb.RemoveMemberRequest(member_id=member_id))

    async def create_invites(
        self,
        emails: Sequence[str],
        grants: Iterable[models.RoleGrant],
        group_ids: Iterable[int] = (),
    ) -> list[models.CreatedInvite]:
        request = pb.CreateInvitesRequest(
            emails=list(emails), grants=convert.grants_out(grants), group_ids=list(group_ids)
        )
        reply = await self._call("CreateInvites", request)
        assert isinstance(reply, pb.CreateInvitesResponse)
        return [
            models.CreatedInvite(convert.invite(c.invite), c.token, c.email_error)
            for c in reply.invites
        ]

    async def list_invites(self) -> list[models.Invite]:
        reply = await self._call("ListInvites", pb.ListInvitesRequest())
        assert isinstance(reply, pb.ListInvitesResponse)
        return [convert.invite(i) for i in reply.invites]

    async def revoke_invite(self, invite_id: int) -> None:
        await self._call("RevokeInvite", pb.RevokeInviteRequest(invite_id=invite_id))

    async def accept_invite(self, invite_token: str) -> models.AcceptedInvite:
        reply = await self._call("AcceptInvite", pb.AcceptInviteRequest(invite_token=invite_token))
        assert isinstance(reply, pb.AcceptInviteResponse)
        return models.AcceptedInvite(convert.member(reply.member), reply.token)

    async def list_groups(self) -> list[models.Group]:
        reply = await self._call("ListGroups", pb.ListGroupsRequest())
        assert isinstance(reply, pb.ListGroupsResponse)
        return [
            models.Group(g.id, g.name, convert.grants_in(g.grants), tuple(g.member_ids))
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
        return models.CreatedSource(convert.source(reply.source), reply.write_key)

    async def list_sources(self) -> list[models.Source]:
        reply = await self._call("ListSources", pb.ListSourcesRequest())
        assert isinstance(reply, pb.ListSourcesResponse)
        return [convert.source(s) for s in reply.sources]

    async def get_source(self, source_id: int) -> models.Source:
        reply = await self._call("GetSource", pb.GetSourceRequest(source_id=source_id))
        assert isinstance(reply, pb.GetSourceResponse)
        return convert.source(reply.source)

    async def rename_source(self, source_id: int, name: str) -> models.Source:
        request = pb.RenameSourceRequest(source_id=source_id, name=name)
        reply = await self._call("RenameSource", request)
        assert isinstance(reply, pb.RenameSourceResponse)
        return convert.source(reply.source)

    async def set_source_enabled(self, source_id: int, enabled: bool) -> models.Source:
        request = pb.SetSourceEnabledRequest(source_id=source_id, enabled=enabled)
        reply = await self._call("SetSourceEnabled", request)
        assert isinstance(reply, pb.SetSourceEnabledResponse)
        return convert.source(reply.source)

    async def delete_source(self, source_id: int) -> None:
        await self._call("DeleteSource", pb.DeleteSourceRequest(source_id=source_id))

    async def rotate_write_key(self, source_id: int, grace_seconds: int) -> models.WriteKeys:
        request = pb.RotateWriteKeyRequest(source_id=source_id, grace_seconds=grace_seconds)
        reply = await self._call("RotateWriteKey", request)
        assert isinstance(reply, pb.RotateWriteKeyResponse)
        retired = convert.retired_keys([reply.retired]) if reply.HasField("retired") else ()
        return models.WriteKeys(reply.write_key, retired)

    async def write_keys(self, source_id: int) -> models.WriteKeys:
        reply = await self._call("GetWriteKey", pb.GetWriteKeyRequest(source_id=source_id))
        assert isinstance(reply, pb.GetWriteKeyResponse)
        return models.WriteKeys(reply.write_key, convert.retired_keys(reply.retired))

    # --- Destinations ---------------------------------------------------------------

    async def destination_catalog(self) -> list[models.DestinationType]:
        reply = await self._call("ListDestinationCatalog", pb.ListDestinationCatalogRequest())
        assert isinstance(reply, pb.ListDestinationCatalogResponse)
        return [convert.destination_type(t) for t in reply.types]

    async def create_destination(
        self,
        name: str,
        type_name: str,
        source_ids: Iterable[int],
        settings: dict[str, Any],
        enabled: bool = True,
    ) -> models.Destination:
        request = pb.CreateDestinationRequest(
            name=name,
            type=type_name,
            source_ids=list(source_ids),
            settings_json=json.dumps(settings),
            enabled=enabled,
        )
        reply = await self._call("CreateDestination", request)
        assert isinstance(reply, pb.CreateDestinationResponse)
        return convert.destination(reply.destination)

    async def list_destinations(self) -> list[models.Destination]:
        reply = await self._call("ListDestinations", pb.ListDestinationsRequest())
        assert isinstance(reply, pb.ListDestinationsResponse)
        return [convert.destination(d) for d in reply.destinations]

    async def get_destination(self, destination_id: int) -> models.Destination:
        request = pb.GetDestinationRequest(destination_id=destination_id)
        reply = await self._call("GetDestination", request)
        assert isinstance(reply, pb.GetDestinationResponse)
        return convert.destination(reply.destination)

    async def update_destination(
        self,
        destination_id: int,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> models.Destination:
        """Rename and/or merge `settings` over the current ones (left-out keys stay)."""
        request = pb.UpdateDestinationRequest(destination_id=destination_id)
        if name is not None:
            request.name = name
        if settings is not None:
            request.settings_json = json.dumps(settings)
        reply = await self._call("UpdateDestination", request)
        assert isinstance(reply, pb.UpdateDestinationResponse)
        return convert.destination(reply.destination)

    async def set_destination_enabled(
        self, destination_id: int, enabled: bool
    ) -> models.Destination:
        request = pb.SetDestinationEnabledRequest(destination_id=destination_id, enabled=enabled)
        reply = await self._call("SetDestinationEnabled", request)
        assert isinstance(reply, pb.SetDestinationEnabledResponse)
        return convert.destination(reply.destination)

    async def connect_sources(
        self, destination_id: int, source_ids: Iterable[int]
    ) -> models.Destination:
        request = pb.ConnectDestinationSourcesRequest(
            destination_id=destination_id, source_ids=list(source_ids)
        )
        reply = await self._call("ConnectDestinationSources", request)
        assert isinstance(reply, pb.ConnectDestinationSourcesResponse)
        return convert.destination(reply.destination)

    async def disconnect_sources(
        self, destination_id: int, source_ids: Iterable[int]
    ) -> models.Destination:
        request = pb.DisconnectDestinationSourcesRequest(
            destination_id=destination_id, source_ids=list(source_ids)
        )
        reply = await self._call("DisconnectDestinationSources", request)
        assert isinstance(reply, pb.DisconnectDestinationSourcesResponse)
        return convert.destination(reply.destination)

    async def delete_destination(self, destination_id: int) -> None:
        request = pb.DeleteDestinationRequest(destination_id=destination_id)
        await self._call("DeleteDestination", request)

    async def list_filters(self, destination_id: int) -> list[models.DestinationFilter]:
        request = pb.ListDestinationFiltersRequest(destination_id=destination_id)
        reply = await self._call("ListDestinationFilters", request)
        assert isinstance(reply, pb.ListDestinationFiltersResponse)
        return [convert.filter(f) for f in reply.filters]

    async def create_filter(
        self, destination_id: int, spec: models.FilterSpec
    ) -> models.DestinationFilter:
        request = pb.CreateDestinationFilterRequest(
            destination_id=destination_id, spec=convert.filter_spec_out(spec)
        )
        reply = await self._call("CreateDestinationFilter", request)
        assert isinstance(reply, pb.CreateDestinationFilterResponse)
        return convert.filter(reply.filter)

    async def update_filter(
        self, destination_id: int, filter_id: int, spec: models.FilterSpec
    ) -> models.DestinationFilter:
        request = pb.UpdateDestinationFilterRequest(
            destination_id=destination_id, filter_id=filter_id, spec=convert.filter_spec_out(spec)
        )
        reply = await self._call("UpdateDestinationFilter", request)
        assert isinstance(reply, pb.UpdateDestinationFilterResponse)
        return convert.filter(reply.filter)

    async def delete_filter(self, destination_id: int, filter_id: int) -> None:
        request = pb.DeleteDestinationFilterRequest(
            destination_id=destination_id, filter_id=filter_id
        )
        await self._call("DeleteDestinationFilter", request)

    async def delivery_status(self, destination_id: int, errors: int = 10) -> models.DeliveryStatus:
        request = pb.GetDeliveryStatusRequest(destination_id=destination_id, errors=errors)
        reply = await self._call("GetDeliveryStatus", request)
        assert isinstance(reply, pb.GetDeliveryStatusResponse)
        return convert.delivery_status(reply.status)

    async def dead_letters(self, destination_id: int, limit: int = 100) -> list[models.DeadLetter]:
        request = pb.ListDeadLettersRequest(destination_id=destination_id, limit=limit)
        reply = await self._call("ListDeadLetters", request)
        assert isinstance(reply, pb.ListDeadLettersResponse)
        return [convert.dead_letter(d) for d in reply.dead_letters]

    async def replay_dead_letters(self, destination_id: int, ids: Iterable[int] = ()) -> int:
        """Send dead letters again (all when `ids` is empty); returns how many."""
        request = pb.ReplayDeadLettersRequest(destination_id=destination_id, ids=list(ids))
        reply = await self._call("ReplayDeadLetters", request)
        assert isinstance(reply, pb.ReplayDeadLettersResponse)
        return int(reply.replayed)

    async def warehouse_status(self, destination_id: int) -> models.WarehouseStatus:
        """The sync status of a warehouse destination (Rejected for any other)."""
        request = pb.GetWarehouseStatusRequest(destination_id=destination_id)
        reply = await self._call("GetWarehouseStatus", request)
        assert isinstance(reply, pb.GetWarehouseStatusResponse)
        return convert.warehouse_status(reply.status)

    # --- Debugger, schema, Getting Started ---------------------------------------

    async def tail_events(
        self, source_id: int, recent: int = 100, types: Iterable[str] = ()
    ) -> AsyncIterator[models.DebugEvent | models.Skipped]:
        """The source's events as they arrive, after up to `recent` earlier ones.

        Raises Disconnected when the stream breaks (segd stopped); the caller retries.
        """
        request = pb.TailEventsRequest(
            source_id=source_id, recent=recent, types=[convert.event_type_out(t) for t in types]
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
                    yield convert.debug_event(item.event)
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
        return models.SearchResult(
            tuple(convert.debug_event(e) for e in reply.events), reply.scanned
        )

    async def schema(self, source_id: int) -> models.Schema:
        reply = await self._call("GetSchema", pb.GetSchemaRequest(source_id=source_id))
        assert isinstance(reply, pb.GetSchemaResponse)
        return models.Schema(
            tuple(convert.schema_event(e) for e in reply.events), reply.events_limit_reached
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
    """An insecure channel, or a TLS one trusting `settings.ca` (system roots without),
    presenting the client certificate `settings.cert` and `settings.key` if given."""
    if not settings.uses_tls:
        return grpc.aio.insecure_channel(settings.addr, options=_CHANNEL_OPTIONS)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=settings.ca.read_bytes() if settings.ca is not None else None,
        private_key=settings.key.read_bytes() if settings.key is not None else None,
        certificate_chain=settings.cert.read_bytes() if settings.cert is not None else None,
    )
    return grpc.aio.secure_channel(settings.addr, credentials, options=_CHANNEL_OPTIONS)


async def accept_invite(settings: ConnectionSettings, invite_token: str) -> models.AcceptedInvite:
    """Accept an invite (no personal token needed yet) and return the new member's token."""
    client = AdminClient(settings)
    try:
        return await client.accept_invite(invite_token)
    finally:
        await client.close()
