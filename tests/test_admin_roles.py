"""The pure rules of access: grants, what they allow, owners, bearer tokens."""

from __future__ import annotations

import pytest

from segd.admin.members import owner_ids
from segd.admin.policy import SERVICE, permits, rule_for
from segd.admin.roles import (
    DestinationScope,
    Grant,
    Need,
    Principal,
    Role,
    check_grants,
    from_rows,
    merge,
    to_rows,
)
from segd.errors import InvalidRequest
from segd.server.admin import bearer_token
from tests.support.admin import request_type

ALL = None


def principal(*grants: Grant) -> Principal:
    return Principal(1, "a@example.com", merge(grants))


OWNER = Grant(Role.WORKSPACE_OWNER)
ADMIN_ALL = Grant(Role.SOURCE_ADMIN)
ADMIN_1 = Grant(Role.SOURCE_ADMIN, frozenset({1}))
READ_ALL = Grant(Role.SOURCE_READ_ONLY)
READ_1 = Grant(Role.SOURCE_READ_ONLY, frozenset({1}))
WAREHOUSE = Grant(Role.WAREHOUSE_ADMIN)


@pytest.mark.parametrize(
    ("grants", "need", "source", "allowed"),
    [
        ((), Need.PUBLIC, None, True),
        ((), Need.MEMBER, None, True),
        ((), Need.OWNER, None, False),
        ((), Need.SOURCE_READ, 1, False),
        ((OWNER,), Need.OWNER, None, True),
        ((OWNER,), Need.SOURCE_ADMIN, 7, True),
        ((OWNER,), Need.SOURCE_ADMIN_ALL, None, True),
        ((ADMIN_ALL,), Need.OWNER, None, False),
        ((ADMIN_ALL,), Need.SOURCE_ADMIN, 7, True),
        ((ADMIN_ALL,), Need.SOURCE_READ, 7, True),
        ((ADMIN_ALL,), Need.SOURCE_ADMIN_ALL, None, True),
        ((ADMIN_1,), Need.SOURCE_ADMIN, 1, True),
        ((ADMIN_1,), Need.SOURCE_READ, 1, True),
        ((ADMIN_1,), Need.SOURCE_ADMIN, 2, False),
        ((ADMIN_1,), Need.SOURCE_ADMIN_ALL, None, False),
        ((READ_ALL,), Need.SOURCE_READ, 5, True),
        ((READ_ALL,), Need.SOURCE_ADMIN, 5, False),
        ((READ_1,), Need.SOURCE_READ, 1, True),
        ((READ_1,), Need.SOURCE_READ, 2, False),
        # Roles add up: read on all plus admin on one.
        ((READ_ALL, ADMIN_1), Need.SOURCE_ADMIN, 1, True),
        ((READ_ALL, ADMIN_1), Need.SOURCE_ADMIN, 2, False),
        ((READ_ALL, ADMIN_1), Need.SOURCE_READ, 2, True),
        # Resource roles of other kinds give nothing on sources or members.
        ((WAREHOUSE,), Need.SOURCE_READ, 1, False),
        ((WAREHOUSE,), Need.OWNER, None, False),
        # A source-scoped need without a source is refused (deny by default).
        ((ADMIN_1,), Need.SOURCE_READ, None, False),
    ],
)
def test_allows(grants: tuple[Grant, ...], need: Need, source: int | None, allowed: bool) -> None:
    assert principal(*grants).allows(need, source) is allowed


ADMIN_12 = Grant(Role.SOURCE_ADMIN, frozenset({1, 2}))
READ_2 = Grant(Role.SOURCE_READ_ONLY, frozenset({2}))
D_ADMIN, D_READ = Need.DESTINATION_ADMIN, Need.DESTINATION_READ


@pytest.mark.parametrize(
    ("grants", "need", "sources", "allowed"),
    [
        ((OWNER,), D_ADMIN, {1, 2}, True),
        ((OWNER,), D_ADMIN, set(), True),
        ((ADMIN_ALL,), D_ADMIN, {1, 2}, True),
        ((ADMIN_ALL,), D_ADMIN, set(), True),
        # Admin on every source touched: both ends of a connection.
        ((ADMIN_1,), D_ADMIN, {1}, True),
        ((ADMIN_1,), D_ADMIN, {1, 2}, False),
        ((ADMIN_12,), D_ADMIN, {1, 2}, True),
        ((ADMIN_1, Grant(Role.SOURCE_ADMIN, frozenset({2}))), D_ADMIN, {1, 2}, True),
        # Touching no source (a destination without one) needs all sources.
        ((ADMIN_1,), D_ADMIN, set(), False),
        ((ADMIN_1,), D_READ, set(), False),
        ((READ_ALL,), D_READ, set(), True),
        # Reading needs a role on any one source; read-only never manages.
        ((READ_1,), D_READ, {1, 2}, True),
        ((READ_2,), D_READ, {1}, False),
        ((ADMIN_1,), D_READ, {2, 1}, True),
        ((READ_ALL,), D_ADMIN, {1}, False),
        ((READ_ALL, ADMIN_1), D_ADMIN, {1}, True),
        ((), D_READ, {1}, False),
        ((WAREHOUSE,), D_READ, {1}, False),
        ((WAREHOUSE,), D_ADMIN, set(), False),
    ],
)
def test_allows_sources(
    grants: tuple[Grant, ...], need: Need, sources: set[int], allowed: bool
) -> None:
    assert principal(*grants).allows_sources(need, sources) is allowed


def test_allows_sources_is_for_destination_needs_only() -> None:
    with pytest.raises(ValueError, match="not about a set of sources"):
        principal(OWNER).allows_sources(Need.SOURCE_READ, {1})
    with pytest.raises(ValueError, match="not about a destination"):
        principal(OWNER).allows_destination(Need.SOURCE_READ, DestinationScope())


WAREHOUSE_READ = Grant(Role.WAREHOUSE_READ_ONLY)
ADMIN_2 = Grant(Role.SOURCE_ADMIN, frozenset({2}))
NONE: frozenset[int] = frozenset()
ONE, TWO, BOTH = frozenset({1}), frozenset({2}), frozenset({1, 2})


@pytest.mark.parametrize(
    ("grants", "need", "connected", "named", "allowed"),
    [
        # On a warehouse, either warehouse role reads, whatever its sources.
        ((WAREHOUSE_READ,), D_READ, ONE, NONE, True),
        ((WAREHOUSE_READ,), D_READ, NONE, NONE, True),
        ((WAREHOUSE,), D_READ, BOTH, NONE, True),
        # Warehouse Read-only never manages.
        ((WAREHOUSE_READ,), D_ADMIN, ONE, NONE, False),
        ((WAREHOUSE_READ,), D_ADMIN, NONE, NONE, False),
        ((WAREHOUSE_READ, ADMIN_2), D_ADMIN, ONE, TWO, False),
        # Warehouse Admin manages it whatever it is connected to...
        ((WAREHOUSE,), D_ADMIN, ONE, NONE, True),
        ((WAREHOUSE,), D_ADMIN, NONE, NONE, True),
        # ...but connecting or disconnecting a source needs Source Admin on that source.
        ((WAREHOUSE,), D_ADMIN, ONE, TWO, False),
        ((WAREHOUSE, ADMIN_1), D_ADMIN, ONE, TWO, False),
        ((WAREHOUSE, ADMIN_2), D_ADMIN, ONE, TWO, True),
        ((WAREHOUSE, ADMIN_2), D_ADMIN, ONE, BOTH, False),
        ((WAREHOUSE, ADMIN_ALL), D_ADMIN, ONE, BOTH, True),
        # Source roles work on a warehouse exactly as on any destination.
        ((READ_1,), D_READ, ONE, NONE, True),
        ((READ_2,), D_READ, ONE, NONE, False),
        ((ADMIN_1,), D_ADMIN, ONE, NONE, True),
        ((ADMIN_2,), D_ADMIN, ONE, TWO, False),
        ((ADMIN_12,), D_ADMIN, ONE, TWO, True),
        ((ADMIN_1,), D_ADMIN, NONE, NONE, False),
        ((OWNER,), D_ADMIN, ONE, TWO, True),
        # Roles of other kinds give nothing.
        ((Grant(Role.TRACKING_PLAN_ADMIN), Grant(Role.PERSONAS_ADMIN)), D_READ, ONE, NONE, False),
    ],
)
def test_warehouse_roles_on_a_warehouse(
    grants: tuple[Grant, ...],
    need: Need,
    connected: frozenset[int],
    named: frozenset[int],
    allowed: bool,
) -> None:
    scope = DestinationScope(connected, named, warehouse=True)
    assert principal(*grants).allows_destination(need, scope) is allowed


@pytest.mark.parametrize("need", [D_READ, D_ADMIN])
@pytest.mark.parametrize("connected", [NONE, ONE])
@pytest.mark.parametrize("grants", [(WAREHOUSE,), (WAREHOUSE_READ,), (WAREHOUSE, WAREHOUSE_READ)])
def test_warehouse_roles_give_nothing_on_other_destinations(
    grants: tuple[Grant, ...], need: Need, connected: frozenset[int]
) -> None:
    scope = DestinationScope(connected, warehouse=False)
    assert principal(*grants).allows_destination(need, scope) is False


@pytest.mark.parametrize(
    ("grants", "need", "sources"),
    [
        ((ADMIN_1,), D_ADMIN, {1}),
        ((ADMIN_1,), D_ADMIN, {1, 2}),
        ((ADMIN_1,), D_ADMIN, set()),
        ((READ_1,), D_READ, {1, 2}),
        ((READ_2,), D_READ, {1}),
        ((READ_ALL,), D_READ, set()),
        ((ADMIN_ALL,), D_ADMIN, set()),
    ],
)
def test_on_any_other_destination_only_source_roles_count(
    grants: tuple[Grant, ...], need: Need, sources: set[int]
) -> None:
    scope = DestinationScope(frozenset(sources))
    who = principal(*grants)
    assert who.allows_destination(need, scope) is who.allows_sources(need, sources)


def decides(
    method: str,
    request_fields: dict[str, object],
    current: set[int],
    grants: tuple[Grant, ...],
    *,
    warehouse: bool,
) -> bool:
    """The policy's answer to `method` on destination 5 (when the method names one),
    connected to `current`, for a caller with `grants`."""
    rule = rule_for(f"{SERVICE}.{method}")
    assert rule is not None
    make = request_type(method)
    if "destination_id" in make.DESCRIPTOR.fields_by_name:
        request_fields = {"destination_id": 5, **request_fields}
    scope = DestinationScope(frozenset(current), warehouse=warehouse)
    return permits(principal(*grants), rule, make(**request_fields), scope)


@pytest.mark.parametrize(
    ("method", "request_fields", "current", "grants", "allowed"),
    [
        # Unless said otherwise, the destination is not a warehouse.
        # The destination's current sources and those the request names both count.
        ("ConnectDestinationSources", {"source_ids": [2]}, {1}, (ADMIN_1,), False),
        ("ConnectDestinationSources", {"source_ids": [2]}, {1}, (ADMIN_12,), True),
        ("ConnectDestinationSources", {"source_ids": [1]}, {2}, (ADMIN_1,), False),
        ("DisconnectDestinationSources", {"source_ids": [2]}, {1, 2}, (ADMIN_1,), False),
        ("CreateDestination", {"source_ids": [1]}, set(), (ADMIN_1,), True),
        ("CreateDestination", {"source_ids": [1, 2]}, set(), (ADMIN_1,), False),
        ("CreateDestination", {}, set(), (ADMIN_1,), False),
        ("CreateDestination", {}, set(), (ADMIN_ALL,), True),
        ("UpdateDestination", {}, {1, 2}, (ADMIN_1,), False),
        ("UpdateDestination", {}, {1}, (ADMIN_1,), True),
        ("GetDestination", {}, {1, 2}, (READ_2,), True),
        ("GetDeliveryStatus", {}, {1}, (READ_2,), False),
        ("ReplayDeadLetters", {}, {1}, (READ_1,), False),
        ("ListDestinations", {}, set(), (), True),
        ("ListDestinationCatalog", {}, set(), (), True),
        ("GetDestination", {}, {1}, (WAREHOUSE_READ,), False),
        ("UpdateDestination", {}, {1}, (WAREHOUSE,), False),
        ("CreateDestination", {"type": "warehouse"}, set(), (WAREHOUSE,), False),
    ],
)
def test_destination_rules(
    method: str,
    request_fields: dict[str, object],
    current: set[int],
    grants: tuple[Grant, ...],
    allowed: bool,
) -> None:
    assert decides(method, request_fields, current, grants, warehouse=False) is allowed


@pytest.mark.parametrize(
    ("method", "request_fields", "current", "grants", "allowed"),
    [
        # Seeing it: either warehouse role.
        ("GetDestination", {}, {1}, (WAREHOUSE_READ,), True),
        ("GetWarehouseStatus", {}, {1}, (WAREHOUSE_READ,), True),
        ("ListDeadLetters", {}, set(), (WAREHOUSE_READ,), True),
        ("GetDeliveryStatus", {}, {1, 2}, (WAREHOUSE,), True),
        # Managing it: Warehouse Admin alone, whatever it is connected to.
        ("UpdateDestination", {}, {1, 2}, (WAREHOUSE,), True),
        ("UpdateDestination", {}, {1}, (WAREHOUSE_READ,), False),
        ("SetDestinationEnabled", {}, {1}, (WAREHOUSE,), True),
        ("CreateDestinationFilter", {}, {1}, (WAREHOUSE,), True),
        ("ReplayDeadLetters", {}, {1}, (WAREHOUSE,), True),
        ("ReplayDeadLetters", {}, {1}, (WAREHOUSE_READ,), False),
        ("DeleteDestination", {}, {1}, (WAREHOUSE,), True),
        ("CreateDestination", {"type": "warehouse"}, set(), (WAREHOUSE,), True),
        ("CreateDestination", {"type": "warehouse"}, set(), (WAREHOUSE_READ,), False),
        # The sources the request names need Source Admin, Warehouse Admin or not.
        ("CreateDestination", {"type": "warehouse", "source_ids": [1]}, set(), (WAREHOUSE,), False),
        ("CreateDestination", {"source_ids": [1]}, set(), (WAREHOUSE, ADMIN_1), True),
        ("ConnectDestinationSources", {"source_ids": [2]}, {1}, (WAREHOUSE,), False),
        ("ConnectDestinationSources", {"source_ids": [2]}, {1}, (WAREHOUSE, ADMIN_2), True),
        ("ConnectDestinationSources", {"source_ids": [2]}, {1}, (ADMIN_2,), False),
        ("ConnectDestinationSources", {"source_ids": [2]}, {1}, (WAREHOUSE, ADMIN_1), False),
        ("DisconnectDestinationSources", {"source_ids": [2]}, {1, 2}, (WAREHOUSE,), False),
        ("DisconnectDestinationSources", {"source_ids": [2]}, {1, 2}, (WAREHOUSE, ADMIN_2), True),
        # Methods about sources, members or the workspace: nothing new.
        ("GetSource", {"source_id": 1}, set(), (WAREHOUSE,), False),
        ("TailEvents", {"source_id": 1}, set(), (WAREHOUSE_READ,), False),
        ("CreateSource", {}, set(), (WAREHOUSE,), False),
        ("ListMembers", {}, set(), (WAREHOUSE,), False),
    ],
)
def test_destination_rules_on_a_warehouse(
    method: str,
    request_fields: dict[str, object],
    current: set[int],
    grants: tuple[Grant, ...],
    allowed: bool,
) -> None:
    assert decides(method, request_fields, current, grants, warehouse=True) is allowed


@pytest.mark.parametrize(
    ("grants", "merged"),
    [
        (
            (READ_1, Grant(Role.SOURCE_READ_ONLY, frozenset({2}))),
            (Grant(Role.SOURCE_READ_ONLY, frozenset({1, 2})),),
        ),
        ((READ_1, READ_ALL), (READ_ALL,)),
        ((READ_ALL, READ_1), (READ_ALL,)),
        ((WAREHOUSE, OWNER), (OWNER, WAREHOUSE)),
        ((), ()),
    ],
)
def test_merge(grants: tuple[Grant, ...], merged: tuple[Grant, ...]) -> None:
    assert merge(grants) == merged


@pytest.mark.parametrize(
    "grants", [(), (OWNER,), (READ_ALL, ADMIN_1), (Grant(Role.SOURCE_ADMIN, frozenset({3, 1})),)]
)
def test_rows_round_trip(grants: tuple[Grant, ...]) -> None:
    assert from_rows(to_rows(grants)) == merge(grants)


def test_rows_skip_unknown_roles() -> None:
    assert from_rows([("some_future_role", None), ("source_admin", 4)]) == (
        Grant(Role.SOURCE_ADMIN, frozenset({4})),
    )


@pytest.mark.parametrize(
    ("grants", "message"),
    [
        ((Grant(Role.WAREHOUSE_ADMIN, frozenset({1})),), "does not take a list of sources"),
        ((Grant(Role.WORKSPACE_OWNER, frozenset({1})),), "does not take a list of sources"),
        ((Grant(Role.SOURCE_ADMIN, frozenset({99})),), "no source with id 99"),
    ],
)
def test_check_grants_refuses(grants: tuple[Grant, ...], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        check_grants(grants, existing_sources=[1, 2])


OWNS = [("workspace_owner", None)]


@pytest.mark.parametrize(
    ("direct", "groups", "pairs", "owners"),
    [
        ({1: OWNS}, {}, set(), {1}),
        ({1: []}, {7: OWNS}, {(7, 1)}, {1}),
        ({1: []}, {7: [("source_admin", None)]}, {(7, 1)}, set()),
        ({1: [("source_admin", None)], 2: OWNS}, {}, set(), {2}),
        # A membership of a member who is gone makes nobody an owner.
        ({1: []}, {7: OWNS}, {(7, 2)}, set()),
        ({}, {}, set(), set()),
    ],
)
def test_owner_ids(
    direct: dict[int, list[tuple[str, int | None]]],
    groups: dict[int, list[tuple[str, int | None]]],
    pairs: set[tuple[int, int]],
    owners: set[int],
) -> None:
    assert owner_ids(direct, groups, pairs) == owners


@pytest.mark.parametrize(
    ("metadata", "token"),
    [
        ([("authorization", "Bearer abc")], "abc"),
        ([("authorization", "bearer abc ")], "abc"),
        ([("Authorization", "BEARER abc")], "abc"),
        ([("authorization", "Basic abc")], ""),
        ([("authorization", "abc")], ""),
        ([("x-other", "Bearer abc")], ""),
        ([], ""),
        (None, ""),
    ],
)
def test_bearer_token(metadata: list[tuple[str, str]] | None, token: str) -> None:
    assert bearer_token(metadata) == token
