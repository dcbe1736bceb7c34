"""Every Admin method, from the service descriptor, against every role on a real daemon.

The expected outcome of each (method, role) is written out here, apart from the
daemon's policy table: a method added to the proto without a line in both fails. A
method on a destination is checked on a webhook and on a warehouse, since the warehouse
roles reach warehouses only: a grant too many or too few on either fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
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
INVALID = grpc.StatusCode.INVALID_ARGUMENT


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
    # The warehouse's end of a connection, and admin of S2 for the source's end.
    "warehouse_admin_source_admin_s2": Persona(
        lambda s1, s2: [grant(pb.ROLE_WAREHOUSE_ADMIN), grant(pb.ROLE_SOURCE_ADMIN, s2)]
    ),
    "personas_admin": Persona(lambda s1, s2: [grant(pb.ROLE_PERSONAS_ADMIN)]),
    "personas_read": Persona(lambda s1, s2: [grant(pb.ROLE_PERSONAS_READ_ONLY)]),
    "group_owner": Persona(lambda s1, s2: [grant(pb.ROLE_WORKSPACE_OWNER)], via_group=True),
    "group_source_admin_s1": Persona(
        lambda s1, s2: [grant(pb.ROLE_SOURCE_ADMIN, s1)], via_group=True
    ),
    "group_warehouse_read": Persona(
        lambda s1, s2: [grant(pb.ROLE_WAREHOUSE_READ_ONLY)], via_group=True
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
# On a warehouse, the warehouse roles join in; on anything else they give nothing.
WAREHOUSE_READERS = frozenset(
    {"warehouse_admin", "warehouse_read", "warehouse_admin_source_admin_s2", "group_warehouse_read"}
)
WAREHOUSE_ADMINS = frozenset({"warehouse_admin", "warehouse_admin_source_admin_s2"})
# Connecting S2 to a warehouse of S1: Warehouse Admin is admin on the warehouse's end,
# and Source Admin of S2 is still needed on the source's.
WAREHOUSE_AND_S2_ADMINS = frozenset({"warehouse_admin_source_admin_s2"})

#: Who may call each method that is not about a destination (everyone else:
#: PERMISSION_DENIED).
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
    # Answers with what the caller may see (test_list_destinations_...).
    "ListDestinations": EVERYONE,
    "TailEvents": SOURCE_READERS_S1,
    "SearchEvents": SOURCE_READERS_S1,
    "GetSchema": SOURCE_READERS_S1,
    "GetGettingStarted": EVERYONE,
}


@dataclass(frozen=True)
class Target:
    """The kind of destination a destination method acts on."""

    label: str
    type: str
    settings_json: str
    #: Settings the plugin takes, for UpdateDestination.
    update_json: str
    #: Connected to S1 when created (False: to no source; for CreateDestination).
    connected: bool = True


HOOK_SETTINGS = '{"urls": ["http://127.0.0.1:9/hook"]}'
WEBHOOK = Target("webhook", "webhook", HOOK_SETTINGS, '{"timeout_seconds": 5}')
WAREHOUSE = Target("warehouse", "warehouse", "{}", '{"batch_max_wait_seconds": 30}')
UNCONNECTED_WEBHOOK = replace(WEBHOOK, label="unconnected webhook", connected=False)
UNCONNECTED_WAREHOUSE = replace(WAREHOUSE, label="unconnected warehouse", connected=False)

#: Who may call each destination method on a webhook and on a warehouse of S1
#: (everyone else: PERMISSION_DENIED).
EXPECTED_ON: dict[str, dict[Target, frozenset[str]]] = {
    "CreateDestination": {
        # Connected to S1 from the start: Source Admin of S1, warehouse or not.
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1,
        UNCONNECTED_WEBHOOK: SOURCE_ADMINS_ALL,
        UNCONNECTED_WAREHOUSE: SOURCE_ADMINS_ALL | WAREHOUSE_ADMINS,
    },
    "GetDestination": {
        WEBHOOK: DESTINATION_READERS_S1,
        WAREHOUSE: DESTINATION_READERS_S1 | WAREHOUSE_READERS,
    },
    "UpdateDestination": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "SetDestinationEnabled": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "ConnectDestinationSources": {
        WEBHOOK: DESTINATION_ADMINS_S1_AND_S2,
        WAREHOUSE: DESTINATION_ADMINS_S1_AND_S2 | WAREHOUSE_AND_S2_ADMINS,
    },
    "DisconnectDestinationSources": {
        WEBHOOK: DESTINATION_ADMINS_S1_AND_S2,
        WAREHOUSE: DESTINATION_ADMINS_S1_AND_S2 | WAREHOUSE_AND_S2_ADMINS,
    },
    "DeleteDestination": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "ListDestinationFilters": {
        WEBHOOK: DESTINATION_READERS_S1,
        WAREHOUSE: DESTINATION_READERS_S1 | WAREHOUSE_READERS,
    },
    "CreateDestinationFilter": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "UpdateDestinationFilter": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "DeleteDestinationFilter": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "GetDeliveryStatus": {
        WEBHOOK: DESTINATION_READERS_S1,
        WAREHOUSE: DESTINATION_READERS_S1 | WAREHOUSE_READERS,
    },
    "ListDeadLetters": {
        WEBHOOK: DESTINATION_READERS_S1,
        WAREHOUSE: DESTINATION_READERS_S1 | WAREHOUSE_READERS,
    },
    "ReplayDeadLetters": {
        WEBHOOK: DESTINATION_ADMINS_S1,
        WAREHOUSE: DESTINATION_ADMINS_S1 | WAREHOUSE_ADMINS,
    },
    "GetWarehouseStatus": {
        # Allowed on a webhook means INVALID_ARGUMENT (see ALLOWED_BUT); a warehouse
        # role is refused before that.
        WEBHOOK: DESTINATION_READERS_S1,
        WAREHOUSE: DESTINATION_READERS_S1 | WAREHOUSE_READERS,
    },
}
#: What an allowed caller gets where it is not OK.
ALLOWED_BUT: dict[tuple[str, Target], grpc.StatusCode] = {
    ("GetWarehouseStatus", WEBHOOK): INVALID,
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
    #: A (disabled) warehouse destination of S1 that calls read and edit.
    w1: int = 0

    def standing(self, target: Target) -> int:
        """The destination of S1 of `target`'s kind that calls read and edit."""
        return self.w1 if target.type == WAREHOUSE.type else self.d1

    def fresh_member(self) -> int:
        token = self.invite(f"someone{next(self.counter)}@example.com")
        return int(self.owner.AcceptInvite(invite_token=token).member.id)

    def invite(self, email: str, **fields: Any) -> str:
        reply = self.owner.CreateInvites(emails=[email], **fields)
        return str(reply.invites[0].token)

    def fresh_group(self) -> int:
        name = f"group {next(self.counter)}"
        return int(self.owner.CreateGroup(name=name).group.id)

    def fresh_destination(self, target: Target, *sources: int) -> int:
        """A disabled destination (no worker) of `target`'s kind, connected to `sources`."""
        reply = self.owner.CreateDestination(
            name=f"{target.type} {next(self.counter)}",
            type=target.type,
            source_ids=sources,
            settings_json=target.settings_json,
            enabled=False,
        )
        return int(reply.destination.id)

    def fresh_filter(self, target: Target) -> int:
        spec = pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="event = 'Nope'")
        destination = self.standing(target)
        reply = self.owner.CreateDestinationFilter(destination_id=destination, spec=spec)
        return int(reply.filter.id)


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
}

# The same for the destination methods, on a destination of `target`'s kind.
DESTINATION_REQUESTS: dict[str, Callable[[World, AdminClient, Target], Message]] = {
    "CreateDestination": lambda w, c, t: pb.CreateDestinationRequest(
        name=f"created {next(w.counter)}",
        type=t.type,
        source_ids=[w.s1] if t.connected else [],
        settings_json=t.settings_json,
        enabled=False,
    ),
    "GetDestination": lambda w, c, t: pb.GetDestinationRequest(destination_id=w.standing(t)),
    "UpdateDestination": lambda w, c, t: pb.UpdateDestinationRequest(
        destination_id=w.standing(t), settings_json=t.update_json
    ),
    "SetDestinationEnabled": lambda w, c, t: pb.SetDestinationEnabledRequest(
        destination_id=w.standing(t), enabled=False
    ),
    "ConnectDestinationSources": lambda w, c, t: pb.ConnectDestinationSourcesRequest(
        destination_id=w.fresh_destination(t, w.s1), source_ids=[w.s2]
    ),
    "DisconnectDestinationSources": lambda w, c, t: pb.DisconnectDestinationSourcesRequest(
        destination_id=w.fresh_destination(t, w.s1, w.s2), source_ids=[w.s2]
    ),
    "DeleteDestination": lambda w, c, t: pb.DeleteDestinationRequest(
        destination_id=w.fresh_destination(t, w.s1)
    ),
    "ListDestinationFilters": lambda w, c, t: pb.ListDestinationFiltersRequest(
        destination_id=w.standing(t)
    ),
    "CreateDestinationFilter": lambda w, c, t: pb.CreateDestinationFilterRequest(
        destination_id=w.standing(t), spec=DROP_NOTHING
    ),
    "UpdateDestinationFilter": lambda w, c, t: pb.UpdateDestinationFilterRequest(
        destination_id=w.standing(t), filter_id=w.fresh_filter(t), spec=DROP_NOTHING
    ),
    "DeleteDestinationFilter": lambda w, c, t: pb.DeleteDestinationFilterRequest(
        destination_id=w.standing(t), filter_id=w.fresh_filter(t)
    ),
    "GetDeliveryStatus": lambda w, c, t: pb.GetDeliveryStatusRequest(destination_id=w.standing(t)),
    "ListDeadLetters": lambda w, c, t: pb.ListDeadLettersRequest(destination_id=w.standing(t)),
    "ReplayDeadLetters": lambda w, c, t: pb.ReplayDeadLettersRequest(destination_id=w.standing(t)),
    "GetWarehouseStatus": lambda w, c, t: pb.GetWarehouseStatusRequest(
        destination_id=w.standing(t)
    ),
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
            world.d1 = world.fresh_destination(WEBHOOK, s1)
            world.w1 = world.fresh_destination(WAREHOUSE, s1)
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
    assert not set(EXPECTED) & set(EXPECTED_ON), "a method expected twice"
    expected = set(EXPECTED) | set(EXPECTED_ON)
    assert names == expected, "a method without an expected role set (or a stale one)"
    assert set(EXPECTED_ON) == set(DESTINATION_REQUESTS)
    for method, by_target in EXPECTED_ON.items():
        assert {WEBHOOK, WAREHOUSE} <= set(by_target), f"{method}: both kinds of destination"
    missing = {m.full_name for m in SERVICE.methods} - set(POLICY)
    assert not missing, f"methods without a policy line: {sorted(missing)}"


def outcomes_of(
    world: World, method: str, make: Callable[[AdminClient], Message]
) -> dict[str, grpc.StatusCode]:
    return {
        persona: call(client, method, make(client)) for persona, client in world.clients.items()
    }


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_role_matrix(world: World, method: str) -> None:
    make = REQUESTS.get(method)
    outcomes = outcomes_of(
        world, method, lambda client: make(world, client) if make else request_type(method)()
    )
    expected = {p: OK if p in EXPECTED[method] else DENIED for p in PERSONAS}
    assert outcomes == expected


@pytest.mark.parametrize(
    ("method", "target"),
    [(method, target) for method, by_target in EXPECTED_ON.items() for target in by_target],
    ids=lambda value: value.label if isinstance(value, Target) else value,
)
def test_role_matrix_on_destinations(world: World, method: str, target: Target) -> None:
    make = DESTINATION_REQUESTS[method]
    outcomes = outcomes_of(world, method, lambda client: make(world, client, target))
    allowed = ALLOWED_BUT.get((method, target), OK)
    expected = {p: allowed if p in EXPECTED_ON[method][target] else DENIED for p in PERSONAS}
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


def test_list_destinations_shows_only_readable_destinations(world: World) -> None:
    def types(name: str) -> dict[int, str]:
        return {d.id: d.type for d in world.clients[name].ListDestinations().destinations}

    assert types("member") == {}
    for reader in ("source_read_s1", "group_source_admin_s1"):
        assert {world.d1, world.w1} <= set(types(reader))
    # The warehouse roles see every warehouse, and nothing else.
    for reader in ("warehouse_admin", "warehouse_read", "group_warehouse_read"):
        seen = types(reader)
        assert world.w1 in seen and set(seen.values()) == {"warehouse"}, reader
    # With a source role too, what that role sees besides (here: S2's, not S1's webhook).
    seen = types("warehouse_admin_source_admin_s2")
    assert world.w1 in seen and world.d1 not in seen
    for stranger in ("tracking_plan_admin", "personas_read", "source_read_s2_admin_none"):
        assert not {world.d1, world.w1} & set(types(stranger)), stranger
