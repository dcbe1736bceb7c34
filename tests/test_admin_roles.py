"""The pure rules of access: grants, what they allow, owners, bearer tokens."""

from __future__ import annotations

import pytest

from segd.admin.members import owner_ids
from segd.admin.roles import (
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
