"""The Admin gRPC service: every call is authorised by the policy table, then a thin
method converts the request, calls the core and converts the answer.

Handlers are built from the service descriptor, so every method of the proto is
served (a missing implementation fails at start-up) and goes through `_authorize`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from segd.admin.core import AdminCore
from segd.admin.members import actor_of
from segd.admin.policy import NO_DESTINATION, permits, rule_for
from segd.admin.roles import Need, Principal
from segd.api.v1 import admin_pb2 as pb
from segd.errors import PermissionDenied
from segd.server import admin_convert as convert
from segd.server.admin_destinations import DestinationMethods
from segd.server.status import abort_for, parse

SERVICE = pb.DESCRIPTOR.services_by_name["Admin"]
Context = grpc.aio.ServicerContext[Any, Any]


def bearer_token(metadata: Any) -> str:
    """The token of an `authorization: Bearer <token>` metadata entry, or ""."""
    for key, value in metadata or ():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return ""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class AdminService(DestinationMethods):
    """The servicer; the destination methods live in `DestinationMethods`."""

    def __init__(self, core: AdminCore) -> None:
        self._core = core

    async def _authorize(self, method: str, request: Message, context: Context) -> Principal | None:
        """The caller, allowed by the policy table; raises Unauthenticated or PermissionDenied."""
        rule = rule_for(method)
        if rule is not None and rule.need is Need.PUBLIC:
            return None
        caller = await self._core.members.authenticate(bearer_token(context.invocation_metadata()))
        destination = NO_DESTINATION
        if rule is not None and not caller.is_owner:
            destination = await self._core.destinations.scope_of(rule, request)
        if rule is None or not permits(caller, rule, request, destination):
            raise PermissionDenied(f"your roles do not allow {method.rsplit('.', 1)[-1]}")
        return caller

    def rpc_handler(self) -> grpc.GenericRpcHandler:  # type: ignore[type-arg]
        handlers = {}
        for method in SERVICE.methods:
            request_type = GetMessageClass(method.input_type)
            serialize = GetMessageClass(method.output_type).SerializeToString
            impl = getattr(self, _snake(method.name))
            if method.server_streaming:
                handlers[method.name] = grpc.unary_stream_rpc_method_handler(
                    self._streaming(method.full_name, request_type, impl),
                    response_serializer=serialize,
                )
            else:
                handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                    self._unary(method.full_name, request_type, impl),
                    response_serializer=serialize,
                )
        return grpc.method_handlers_generic_handler(SERVICE.full_name, handlers)

    def _unary(
        self,
        method: str,
        request_type: type[Message],
        impl: Callable[[Any, Any], Awaitable[Message]],
    ) -> Callable[[bytes, Context], Awaitable[Message]]:
        async def call(data: bytes, context: Context) -> Message:
            try:
                request = parse(request_type, data)
                return await impl(request, await self._authorize(method, request, context))
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await abort_for(context, exc)

        return call

    def _streaming(
        self,
        method: str,
        request_type: type[Message],
        impl: Callable[[Any, Any], Awaitable[AsyncIterator[Message]]],
    ) -> Callable[[bytes, Context], AsyncIterator[Message]]:
        async def call(data: bytes, context: Context) -> AsyncIterator[Message]:
            try:
                request = parse(request_type, data)
                stream = await impl(request, await self._authorize(method, request, context))
                # Headers now: the client knows the stream is open before any event.
                await context.send_initial_metadata(())
                async for item in stream:
                    yield item
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await abort_for(context, exc)

        return call

    # ---- the caller -----------------------------------------------------------------

    async def who_am_i(self, req: pb.WhoAmIRequest, caller: Principal) -> pb.WhoAmIResponse:
        return pb.WhoAmIResponse(member=convert.member_pb(await self._core.members.who(caller)))

    async def list_roles(self, req: pb.ListRolesRequest, caller: Principal) -> pb.ListRolesResponse:
        return convert.roles_pb()

    async def create_token(
        self, req: pb.CreateTokenRequest, caller: Principal
    ) -> pb.CreateTokenResponse:
        token, secret = await self._core.members.create_token(caller, req.name)
        return pb.CreateTokenResponse(token=convert.token_pb(token), secret=secret)

    async def list_tokens(
        self, req: pb.ListTokensRequest, caller: Principal
    ) -> pb.ListTokensResponse:
        tokens = await self._core.members.tokens(caller)
        return pb.ListTokensResponse(tokens=[convert.token_pb(t) for t in tokens])

    async def revoke_token(
        self, req: pb.RevokeTokenRequest, caller: Principal
    ) -> pb.RevokeTokenResponse:
        await self._core.members.revoke_token(caller, req.token_id)
        return pb.RevokeTokenResponse()

    # ---- members and invites --------------------------------------------------------

    async def list_members(
        self, req: pb.ListMembersRequest, caller: Principal
    ) -> pb.ListMembersResponse:
        members = await self._core.members.all()
        return pb.ListMembersResponse(members=[convert.member_pb(m) for m in members])

    async def update_member(
        self, req: pb.UpdateMemberRequest, caller: Principal
    ) -> pb.UpdateMemberResponse:
        member = await self._core.members.update(
            actor_of(caller), req.member_id, convert.grants_from_pb(req.grants), req.group_ids
        )
        return pb.UpdateMemberResponse(member=convert.member_pb(member))

    async def remove_member(
        self, req: pb.RemoveMemberRequest, caller: Principal
    ) -> pb.RemoveMemberResponse:
        await self._core.members.remove(actor_of(caller), req.member_id)
        return pb.RemoveMemberResponse()

    async def create_invites(
        self, req: pb.CreateInvitesRequest, caller: Principal
    ) -> pb.CreateInvitesResponse:
        created = await self._core.invites.create(
            actor_of(caller),
            req.emails,
            convert.grants_from_pb(req.grants),
            req.group_ids,
            req.expires_in_seconds,
        )
        return pb.CreateInvitesResponse(invites=[convert.created_invite_pb(c) for c in created])

    async def list_invites(
        self, req: pb.ListInvitesRequest, caller: Principal
    ) -> pb.ListInvitesResponse:
        invites = await self._core.invites.pending()
        return pb.ListInvitesResponse(invites=[convert.invite_pb(i) for i in invites])

    async def revoke_invite(
        self, req: pb.RevokeInviteRequest, caller: Principal
    ) -> pb.RevokeInviteResponse:
        await self._core.invites.revoke(actor_of(caller), req.invite_id)
        return pb.RevokeInviteResponse()

    async def accept_invite(self, req: pb.AcceptInviteRequest, _: None) -> pb.AcceptInviteResponse:
        member, token = await self._core.invites.accept(req.invite_token)
        return pb.AcceptInviteResponse(member=convert.member_pb(member), token=token)

    # ---- user groups ----------------------------------------------------------------

    async def create_group(
        self, req: pb.CreateGroupRequest, caller: Principal
    ) -> pb.CreateGroupResponse:
        group = await self._core.members.create_group(
            actor_of(caller), req.name, convert.grants_from_pb(req.grants), req.member_ids
        )
        return pb.CreateGroupResponse(group=convert.group_pb(group))

    async def list_groups(
        self, req: pb.ListGroupsRequest, caller: Principal
    ) -> pb.ListGroupsResponse:
        groups = await self._core.members.groups()
        return pb.ListGroupsResponse(groups=[convert.group_pb(g) for g in groups])

    async def update_group(
        self, req: pb.UpdateGroupRequest, caller: Principal
    ) -> pb.UpdateGroupResponse:
        group = await self._core.members.update_group(
            actor_of(caller),
            req.group_id,
            req.name,
            convert.grants_from_pb(req.grants),
            req.member_ids,
        )
        return pb.UpdateGroupResponse(group=convert.group_pb(group))

    async def delete_group(
        self, req: pb.DeleteGroupRequest, caller: Principal
    ) -> pb.DeleteGroupResponse:
        await self._core.members.delete_group(actor_of(caller), req.group_id)
        return pb.DeleteGroupResponse()

    async def list_audit_log(
        self, req: pb.ListAuditLogRequest, caller: Principal
    ) -> pb.ListAuditLogResponse:
        entries = await self._core.audit_log(req.limit, req.before_id)
        return pb.ListAuditLogResponse(entries=[convert.audit_pb(e) for e in entries])

    # ---- sources --------------------------------------------------------------------

    async def list_source_catalog(
        self, req: pb.ListSourceCatalogRequest, caller: Principal
    ) -> pb.ListSourceCatalogResponse:
        catalog = self._core.sources.catalog()
        return pb.ListSourceCatalogResponse(
            types=[convert.source_type_pb(entry, snippet) for entry, snippet in catalog]
        )

    async def create_source(
        self, req: pb.CreateSourceRequest, caller: Principal
    ) -> pb.CreateSourceResponse:
        source = await self._core.sources.create(actor_of(caller), req.name, req.type)
        return pb.CreateSourceResponse(source=convert.source_pb(source), write_key=source.write_key)

    async def list_sources(
        self, req: pb.ListSourcesRequest, caller: Principal
    ) -> pb.ListSourcesResponse:
        sources = await self._core.sources.readable(caller)
        return pb.ListSourcesResponse(sources=[convert.source_pb(s) for s in sources])

    async def get_source(self, req: pb.GetSourceRequest, caller: Principal) -> pb.GetSourceResponse:
        source = await self._core.sources.get(req.source_id)
        return pb.GetSourceResponse(source=convert.source_pb(source))

    async def rename_source(
        self, req: pb.RenameSourceRequest, caller: Principal
    ) -> pb.RenameSourceResponse:
        source = await self._core.sources.rename(actor_of(caller), req.source_id, req.name)
        return pb.RenameSourceResponse(source=convert.source_pb(source))

    async def set_source_enabled(
        self, req: pb.SetSourceEnabledRequest, caller: Principal
    ) -> pb.SetSourceEnabledResponse:
        source = await self._core.sources.set_enabled(actor_of(caller), req.source_id, req.enabled)
        return pb.SetSourceEnabledResponse(source=convert.source_pb(source))

    async def delete_source(
        self, req: pb.DeleteSourceRequest, caller: Principal
    ) -> pb.DeleteSourceResponse:
        await self._core.sources.delete(actor_of(caller), req.source_id)
        return pb.DeleteSourceResponse()

    async def rotate_write_key(
        self, req: pb.RotateWriteKeyRequest, caller: Principal
    ) -> pb.RotateWriteKeyResponse:
        key, (old, until) = await self._core.sources.rotate_write_key(
            actor_of(caller), req.source_id, req.grace_seconds
        )
        return pb.RotateWriteKeyResponse(write_key=key, retired=convert.retired_key_pb(old, until))

    async def get_write_key(
        self, req: pb.GetWriteKeyRequest, caller: Principal
    ) -> pb.GetWriteKeyResponse:
        keys = await self._core.sources.write_keys(req.source_id)
        return pb.GetWriteKeyResponse(
            write_key=keys.current,
            retired=[convert.retired_key_pb(key, until) for key, until in keys.retired],
        )

    # ---- debugger, schema, Getting Started ------------------------------------------

    async def tail_events(
        self, req: pb.TailEventsRequest, caller: Principal
    ) -> AsyncIterator[pb.TailEventsResponse]:
        items = await self._core.insight.tail(req.source_id, req.recent, req.types, req.names)
        return (convert.tail_item_pb(item) async for item in items)

    async def search_events(
        self, req: pb.SearchEventsRequest, caller: Principal
    ) -> pb.SearchEventsResponse:
        found, scanned = await self._core.insight.search(req.source_id, req.query, req.limit)
        return pb.SearchEventsResponse(
            events=[convert.debug_event_pb(item) for item in found], scanned=scanned
        )

    async def get_schema(self, req: pb.GetSchemaRequest, caller: Principal) -> pb.GetSchemaResponse:
        return convert.schema_pb(await self._core.insight.schema(req.source_id))

    async def get_getting_started(
        self, req: pb.GetGettingStartedRequest, caller: Principal
    ) -> pb.GetGettingStartedResponse:
        return convert.getting_started_pb(await self._core.insight.getting_started())
