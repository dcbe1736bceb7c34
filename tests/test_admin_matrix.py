"""Every Admin method, from the service descriptor, against every role on a real daemon.

The expected outcome of each (method, role) is written out here, apart from the
daemon's policy table: a method added to the proto without a line in both fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message

from segd.admin.policy import POLICY
from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import collector_pb2
from tests.support.admin import METHODS, SERVICE, AdminClient, request_type
from tests.support.daemon import Daemon, init_workspace, track

OK = grpc.StatusCode.OK
DENIED = grpc.StatusCode.PERMISSION_DENIED


def grant(role: int, *sources: int) -> pb.RoleGrant:
    return pb.RoleGrant(role=role, source_ids=sources)  # type: ignore[arg-type]


# Who is who: direct grants, or grants inherited from a user group. S1 is the source
# most calls act on; S2 another one.
@dataclass(frozen=True)
class Persona:
    grants: Callable[[int, int], list[pb.RoleGrant]] = lambda s1, s2: []
    via_group: bool = False


PERSONAS: dict[str, Persona] = {
    "owner": Persona(lambda s1, s2: [grant(pb.ROLE_WORKSPACE_OWNER)]),
    "member": Persona(),
    "source_admin_all": Persona(lambda s1, s2: [grant(pb.ROLE_SOURCE_ADMIN)]),
    "source_admin_s1": Persona(lambda s1, s2: [grant(pb.ROLE_SOURCE_ADMIN, s1)]),
    "source_admin_s2": Persona(lambda s1, s2: [grant(pb.ROLE_SOURCE_ADMIN, s2)]),
    "source_read_all": Persona(lambda s1, s2: [grant(pb.ROLE_SOURCE_READ_ONLY)]),
    "source_read_s1": Persona(lambda s1, s2: [grant(pb.ROLE_SOURCE_READ_ONLY, s1)]),
    "source_read_s2_admin_none": Persona(lambda s1, s2: [grant(pb.ROLE_SOURCE_READ_ONLY, s2)]),
    "tracking_plan_admin": Persona(lambda s1, s2: [grant(pb.ROLE_TRACKING_PLAN_ADMIN)]),
    "tracking_plan_read": Persona(lambda s1, s2: [grant(pb.ROLE_TRACKING_PLAN_READ_ONLY)]),
    "warehouse_admin": Persona(lambda s1, s2: [grant(pb.ROLE_WAREHOUSE_ADMIN)]),
    "warehouse_read": Persona(lambda s1, s2: [grant(pb.ROLE_WAREHOUSE_READ_ONLY)]),
    "personas_admin": Persona(lambda s1, s2: [grant(pb.ROLE_PERSONAS_ADMIN)]),
    "personas_read": Persona(lambda s1, s2: [grant(pb.ROLE_PERSONAS_READ_ONLY)]),
    "group_owner": Persona(lambda s1, s2: [grant(pb.ROLE_WORKSPACE_OWNER)], via_group=True),
    "group_source_admin_s1": Persona(
        lambda s1, s2: [grant(pb.ROLE_SOURCE_ADMIN, s1)], via_group=True
    ),
}
EVERYONE = frozenset(PERSONAS)
OWNERS = frozenset({"owner", "group_owner"})
SOURCE_ADMINS_ALL = OWNERS | {"source_admin_all"}
SOURCE_ADMINS_S1 = SOURCE_ADMINS_ALL | {"source_admin_s1", "group_source_admin_s1"}
SOURCE_READERS_S1 = SOURCE_ADMINS_S1 | {"source_read_all", "source_read_s1"}
# A destination is managed by admins of every source it touches, seen by readers of any.
DESTINATION_ADMINS_S1 = SOURCE_ADMINS_S1
DESTINATION_READERS_S1 = SOURCE_READERS_S1
# Touching S1 and S2 at once (connecting S2 to a destination of S1): admin on both.
DESTINATION_ADMINS_S1_AND_S2 = SOURCE_ADMINS_ALL

#: Who may call each method (everyone else: PERMISSION_DENIED).
EXPECTED: dict[str, frozenset[str]] = {
    "WhoAmI": EVERYONE,
    "ListRoles": EVERYONE,
    "CreateToken": EVERYONE,
    "ListTokens": EVERYONE,
    "RevokeToken": EVERYONE,
    "ListMembers": OWNERS,
    "UpdateMember": OWNERS,
    "RemoveMember": OWNERS,
    "CreateInvites": OWNERS,
    "ListInvites": OWNERS,
    "RevokeInvite": OWNERS,
    "AcceptInvite": EVERYONE,
    "CreateGroup": OWNERS,
    "ListGroups": OWNERS,
    "UpdateGroup": OWNERS,
    "DeleteGroup": OWNERS,
    "ListAuditLog": OWNERS,
    "ListSourceCatalog": EVERYONE,
    "CreateSource": SOURCE_ADMINS_ALL,
    "ListSources": EVERYONE,
    "GetSource": SOURCE_READERS_S1,
    "RenameSource": SOURCE_ADMINS_S1,
    "SetSourceEnabled": SOURCE_ADMINS_S1,
    # Acts on a fresh source, which listed roles do not cover.
    "DeleteSource": SOURCE_ADMINS_ALL,
    "RotateWriteKey": SOURCE_ADMINS_S1,
    "GetWriteKey": SOURCE_ADMINS_S1,
    "ListDestinationCatalog": EVERYONE,
    "CreateDestination": DESTINATION_ADMINS_S1,
    "ListDestinations": EVERYONE,
    "GetDestination": DESTINATION_READERS_S1,
    "UpdateDestination": DESTINATION_ADMINS_S1,
    "SetDestinationEnabled": DESTINATION_ADMINS_S1,
    "ConnectDestinationSources": DESTINATION_ADMINS_S1_AND_S2,
    "DisconnectDestinationSources": DESTINATION_ADMINS_S1_AND_S2,
    "DeleteDestination": DESTINATION_ADMINS_S1,
    "ListDestinationFilters": DESTINATION_READERS_S1,
    "CreateDestinationFilter": DESTINATION_ADMINS_S1,
    "UpdateDestinationFilter": DESTINATION_ADMINS_S1,
    "DeleteDestinationFilter": DESTINATION_ADMINS_S1,
    "GetDeliveryStatus": DESTINATION_READERS_S1,
    "ListDeadLetters": DESTINATION_READERS_S1,
    "ReplayDeadLetters": DESTINATION_ADMINS_S1,
    "GetWarehouseStatus": DESTINATION_READERS_S1,
    "TailEvents": SOURCE_READERS_S1,
    "SearchEvents": SOURCE_READERS_S1,
    "GetSchema": SOURCE_READERS_S1,
    "GetGettingStarted": EVERYONE,
}


@dataclass
class World:
    owner: AdminClient
    clients: dict[str, AdminClient]
    s1: int
    s2: int
    counter: Iterator[int]
    #: A (disabled) webhook destination of S1 that calls read and edit.
    d1: int = 0
    #: A (disabled) warehouse destination of S1, for the warehouse's own calls.
    w1: int = 0

    def fresh_member(self) -> int:
        token = self.invite(f"someone{next(self.counter)}@example.com")
        return int(self.owner.AcceptInvite(invite_token=token).member.id)

    def invite(self, email: str, **fields: Any) -> str:
        reply = self.owner.CreateInvites(emails=[email], **fields)
        return str(reply.invites[0].token)

    def fresh_group(self) -> int:
        name = f"group {next(self.counter)}"
        return int(self.owner.CreateGroup(name=name).group.id)

    def fresh_destination(self, *sources: int) -> int:
        """A disabled webhook destination (no worker), connected to `sources`."""
        reply = self.owner.CreateDestination(
            name=f"hook {next(self.counter)}",
            type="webhook",
            source_ids=sources,
            settings_json=HOOK_SETTINGS,
            enabled=False,
        )
        return int(reply.destination.id)

    def fresh_filter(self) -> int:
        spec = pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="event = 'Nope'")
        return int(self.owner.CreateDestinationFilter(destination_id=self.d1, spec=spec).filter.id)


HOOK_SETTINGS = '{"urls": ["http://127.0.0.1:9/hook"]}'
DROP_NOTHING = pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="event = 'Never Sent'")


# How to make an OK-able request for each method; `caller` is who will call it.
REQUESTS: dict[str, Callable[[World, AdminClient], Message]] = {
    "CreateToken": lambda w, c: pb.CreateTokenRequest(name="matrix"),
    "RevokeToken": lambda w, c: pb.RevokeTokenRequest(
        token_id=c.CreateToken(name="to revoke").token.id
    ),
    "UpdateMember": lambda w, c: pb.UpdateMemberRequest(member_id=w.fresh_member()),
    "RemoveMember": lambda w, c: pb.RemoveMemberRequest(member_id=w.fresh_member()),
    "CreateInvites": lambda w, c: pb.CreateInvitesRequest(
        emails=[f"invitee{next(w.counter)}@example.com"]
    ),
    "RevokeInvite": lambda w, c: pb.RevokeInviteRequest(
        invite_id=w.owner.CreateInvites(emails=[f"r{next(w.counter)}@example.com"])
        .invites[0]
        .invite.id
    ),
    "AcceptInvite": lambda w, c: pb.AcceptInviteRequest(
        invite_token=w.invite(f"accept{next(w.counter)}@example.com")
    ),
    "CreateGroup": lambda w, c: pb.CreateGroupRequest(name=f"new group {next(w.counter)}"),
    "UpdateGroup": lambda w, c: pb.UpdateGroupRequest(
        group_id=w.fresh_group(), name=f"renamed {next(w.counter)}"
    ),
    "DeleteGroup": lambda w, c: pb.DeleteGroupRequest(group_id=w.fresh_group()),
    "CreateSource": lambda w, c: pb.CreateSourceRequest(name=f"source {next(w.counter)}"),
    "GetSource": lambda w, c: pb.GetSourceRequest(source_id=w.s1),
    "RenameSource": lambda w, c: pb.RenameSourceRequest(source_id=w.s1, name="Source one"),
    "SetSourceEnabled": lambda w, c: pb.SetSourceEnabledRequest(source_id=w.s1, enabled=True),
    "DeleteSource": lambda w, c: pb.DeleteSourceRequest(
        source_id=w.owner.CreateSource(name=f"doomed {next(w.counter)}").source.id
    ),
    "RotateWriteKey": lambda w, c: pb.RotateWriteKeyRequest(source_id=w.s1, grace_seconds=60),
    "GetWriteKey": lambda w, c: pb.GetWriteKeyRequest(source_id=w.s1),
    "TailEvents": lambda w, c: pb.TailEventsRequest(source_id=w.s1, recent=1),
    "SearchEvents": lambda w, c: pb.SearchEventsRequest(source_id=w.s1, query="user-1"),
    "GetSchema": lambda w, c: pb.GetSchemaRequest(source_id=w.s1),
    "CreateDestination": lambda w, c: pb.CreateDestinationRequest(
        name=f"created {next(w.counter)}",
        type="webhook",
        source_ids=[w.s1],
        settings_json=HOOK_SETTINGS,
        enabled=False,
    ),
    "GetDestination": lambda w, c: pb.GetDestinationRequest(destination_id=w.d1),
    "UpdateDestination": lambda w, c: pb.UpdateDestinationRequest(
        destination_id=w.d1, settings_json='{"timeout_seconds": 5}'
    ),
    "SetDestinationEnabled": lambda w, c: pb.SetDestinationEnabledRequest(
        destination_id=w.d1, enabled=False
    ),
    "ConnectDestinationSources": lambda w, c: pb.ConnectDestinationSourcesRequest(
        destination_id=w.fresh_destination(w.s1), source_ids=[w.s2]
    ),
    "DisconnectDestinationSources": lambda w, c: pb.DisconnectDestinationSourcesRequest(
        destination_id=w.fresh_destination(w.s1, w.s2), source_ids=[w.s2]
    ),
    "DeleteDestination": lambda w, c: pb.DeleteDestinationRequest(
        destination_id=w.fresh_destination(w.s1)
    ),
    "ListDestinationFilters": lambda w, c: pb.ListDestinationFiltersRequest(destination_id=w.d1),
    "CreateDestinationFilter": lambda w, c: pb.CreateDestinationFilterRequest(
        destination_id=w.d1, spec=DROP_NOTHING
    ),
    "UpdateDestinationFilter": lambda w, c: pb.UpdateDestinationFilterRequest(
        destination_id=w.d1, filter_id=w.fresh_filter(), spec=DROP_NOTHING
    ),
    "DeleteDestinationFilter": lambda w, c: pb.DeleteDestinationFilterRequest(
        destination_id=w.d1, filter_id=w.fresh_filter()
    ),
    "GetDeliveryStatus": lambda w, c: pb.GetDeliveryStatusRequest(destination_id=w.d1),
    "ListDeadLetters": lambda w, c: pb.ListDeadLettersRequest(destination_id=w.d1),
    "ReplayDeadLetters": lambda w, c: pb.ReplayDeadLettersRequest(destination_id=w.d1),
    "GetWarehouseStatus": lambda w, c: pb.GetWarehouseStatusRequest(destination_id=w.w1),
}


def call(client: AdminClient, method: str, request: Message) -> grpc.StatusCode:
    try:
        reply = getattr(client, method)(request)
        if METHODS[method].server_streaming:
            next(reply)  # the source has events: an allowed stream yields one
            reply.cancel()
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return OK


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("matrix") / "data"
    token, write_key = init_workspace(data_dir)
    config = data_dir.parent / "segd.toml"
    # Many small writes: NORMAL keeps the test quick; durability is not its subject.
    config.write_text('[storage]\ndurability = "normal"\n')
    daemon = Daemon(data_dir, config=config).start()
    try:
        with daemon.channel() as channel:
            owner = AdminClient(channel, token)
            s1 = owner.ListSources().sources[0].id
            s2 = owner.CreateSource(name="Source two").source.id
            daemon.collector(channel).SendBatch(
                collector_pb2.SendBatchRequest(write_key=write_key, events=[track()])
            )
            world = World(owner, {"owner": owner}, s1, s2, itertools.count())
            world.d1 = world.fresh_destination(s1)
            world.w1 = owner.CreateDestination(
                name="warehouse", type="warehouse", source_ids=[s1], enabled=False
            ).destination.id
            for name, persona in PERSONAS.items():
                if name == "owner":
                    continue
                grants = persona.grants(s1, s2)
                fields: dict[str, Any] = {"grants": grants}
                if persona.via_group:
                    group = owner.CreateGroup(name=f"{name} group", grants=grants).group
                    fields = {"group_ids": [group.id]}
                invite = world.invite(f"{name}@example.com", **fields)
                accepted = owner.AcceptInvite(invite_token=invite)
                world.clients[name] = AdminClient(channel, accepted.token)
            yield world
    finally:
        daemon.kill()


def test_every_method_has_a_policy_and_an_expectation() -> None:
    names = {method.name for method in SERVICE.methods}
    assert names == set(EXPECTED), "a method without an expected role set (or a stale one)"
    missing = {m.full_name for m in SERVICE.methods} - set(POLICY)
    assert not missing, f"methods without a policy line: {sorted(missing)}"


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
def test_role_matrix(world: World, method: str) -> None:
    outcomes = {}
    for persona, client in world.clients.items():
        make = REQUESTS.get(method)
        request = make(world, client) if make else request_type(method)()
        outcomes[persona] = call(client, method, request)
    expected = {p: OK if p in EXPECTED.get(method, ()) else DENIED for p in PERSONAS}
    assert outcomes == expected


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods if m.name != "AcceptInvite"])
@pytest.mark.parametrize("token", [None, "", "garbage", "Bearer"])
def test_unauthenticated_calls_are_refused(world: World, method: str, token: str | None) -> None:
    client = world.owner.as_token(token)
    # Authentication comes first: the request's content does not matter.
    assert call(client, method, request_type(method)()) == grpc.StatusCode.UNAUTHENTICATED


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    created = world.owner.CreateToken(name="short-lived")
    client = world.owner.as_token(created.secret)
    assert client.WhoAmI().member.email == "owner@localhost"
    world.owner.RevokeToken(token_id=created.token.id)
    assert call(client, "WhoAmI", pb.WhoAmIRequest()) == grpc.StatusCode.UNAUTHENTICATED


def test_list_sources_shows_only_readable_sources(world: World) -> None:
    def slugs(name: str) -> set[int]:
        return {s.id for s in world.clients[name].ListSources().sources}

    assert slugs("member") == set()
    assert slugs("source_read_s1") == {world.s1}
    assert slugs("source_read_s2_admin_none") == {world.s2}
    assert {world.s1, world.s2} <= slugs("source_read_all")
